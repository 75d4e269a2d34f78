/**
 * The SQL literals batch-write.ts inlines into its multi-statement simple queries (copy.ts sqlText, sqlInt,
 * sqlArray), read back by a real PostgreSQL: any string, quotes, backslashes, commas and braces included,
 * comes back as it went in; a value that is not a safe integer is refused before anything is sent.
 */
import { expect } from "chai";
import pg from "pg";
import { sqlArray, sqlInt, sqlText, withConnection } from "../../src/persistence/copy.ts";
import type { Db } from "../../src/persistence/db.ts";
import { connectDb } from "./helpers.ts";

const AWKWARD = ["plain", "it's", 'say "hi"', "back\\slash", "a,b", "{braces}", "", "NULL", "tab\there", "é ü 漢"];

describe("persistence: SQL literals for simple queries", () => {
  let db: Db;
  before(async () => {
    db = await connectDb();
  });

  it("strings and arrays of them read back unchanged", async () => {
    const rows = await withConnection(db, async (_q, client) => {
      const texts = AWKWARD.map((t) => `SELECT ${sqlText(t)} AS v`).join(" UNION ALL ");
      const one = await client.query<{ v: string }>(texts);
      const arr = await client.query<{ v: string[]; w: string }>(`SELECT ${sqlArray(AWKWARD, "text")} AS v`);
      return { one: one.rows.map((r) => r.v), arr: arr.rows[0]!.v };
    });
    expect(rows.one).to.deep.equal(AWKWARD);
    expect(rows.arr).to.deep.equal(AWKWARD);
  });

  it("sqlText writes exactly what pg's escapeLiteral writes", () => {
    for (const t of [...AWKWARD, "'", "\\", "'\\'", "a''b\\\\c", `{"k":"it's \\"x\\""}`])
      expect(sqlText(t), t).to.equal(pg.escapeLiteral(t));
  });

  it("integers up to 2^53 - 1 round-trip; anything else is refused", async () => {
    const big = Number.MAX_SAFE_INTEGER;
    const r = await withConnection(db, (_q, client) =>
      client.query<{ v: string[]; w: string }>(
        `SELECT ${sqlArray([0, -1, big], "bigint")}::text[] AS v, ${sqlInt(big)}::text AS w`,
      ),
    );
    expect(r.rows[0]!.v).to.deep.equal(["0", "-1", String(big)]);
    expect(r.rows[0]!.w).to.equal(String(big));
    expect(() => sqlInt(1.5)).to.throw(TypeError);
    expect(() => sqlInt(2 ** 53)).to.throw(TypeError);
    expect(() => sqlArray([1, Number.NaN], "int")).to.throw(TypeError);
  });
});
