/**
 * Persistence of fees, rebates and the gross/net limit rules (sql/002_fees.sql): a real engine game
 * with fees is persisted by the real Persister; fills.taker_fee / maker_rebate equal the fill events,
 * securities carry fee, rebate and weight, games.config the limits. A fill row written without the
 * new columns (as before the migration) reads back with 0, and the schema refuses a rebate above the fee.
 */
import { expect } from "chai";
import { sql } from "kysely";
import type { FillEvent } from "@marketroom/shared";
import { Persister } from "../../src/persistence/persister.ts";
import { registerGame } from "../../src/persistence/games-registry.ts";
import type { Db } from "../../src/persistence/db.ts";
import { Engine, connect, connectDb, newGameId, newRegistry, ok, waitApplied } from "./helpers.ts";

describe("persistence: fees and limit rules (sql/002_fees.sql)", () => {
  let engine: Engine;
  let db: Db;
  let persister: Persister;
  let registry: string;

  before(async () => {
    engine = new Engine(await connect());
    db = await connectDb();
    registry = newRegistry();
    persister = new Persister(engine.client, db, { registryKey: registry, blockMs: 50, refreshMs: 50, log: () => {} });
    void persister.start();
  });
  after(async () => {
    await persister?.stop();
    await engine?.client.del(registry);
    await db?.destroy();
    await engine?.client.quit();
  });

  it("fills carry taker_fee and maker_rebate as logged; securities and games carry the rules", async () => {
    const g = newGameId("fees");
    ok(await engine.createGame(g, { name: g, grossLimit: 500, netLimit: 300 }));
    ok(
      await engine.addSecurity(g, {
        securityId: 1,
        symbol: "FEE",
        scale: 10,
        takerFee: 7,
        makerRebate: 3,
        limitWeight: 2,
      }),
    );
    ok(await engine.addSecurity(g, { securityId: 2, symbol: "FREE" }));
    for (const p of ["a", "b"])
      ok(
        await engine.addPlayer(g, {
          playerId: p,
          name: p,
          cash: 1_000_000,
          holdings: [
            { securityId: 1, qty: 50 },
            { securityId: 2, qty: 50 },
          ],
        }),
      );
    ok(await engine.setPhase(g, "running"));
    await registerGame(engine.client, g, registry);
    ok(await engine.place(g, "b", { securityId: 1, side: "sell", price: 100, qty: 5 }));
    ok(await engine.place(g, "a", { securityId: 1, side: "buy", price: 100, qty: 3 }));
    ok(await engine.place(g, "a", { securityId: 2, side: "sell", price: 50, qty: 4 }));
    ok(await engine.place(g, "b", { securityId: 2, side: "buy", price: 50, qty: 4 }));
    const events = await engine.events(g, 1);
    const fills = events.filter((e): e is FillEvent => e.type === "fill");
    expect(fills.map((f) => [f.takerFee, f.makerRebate])).to.deep.equal([
      [21, 9],
      [0, 0],
    ]);
    await waitApplied(db, g, events.at(-1)!.seq);

    const rows = await db
      .selectFrom("fills")
      .select(["seq", "taker_fee", "maker_rebate"])
      .where("game_id", "=", g)
      .orderBy("seq")
      .execute();
    expect(rows).to.deep.equal(fills.map((f) => ({ seq: f.seq, taker_fee: f.takerFee, maker_rebate: f.makerRebate })));
    const secs = await db
      .selectFrom("securities")
      .select(["security_id", "taker_fee", "maker_rebate", "limit_weight"])
      .where("game_id", "=", g)
      .orderBy("security_id")
      .execute();
    expect(secs).to.deep.equal([
      { security_id: 1, taker_fee: 7, maker_rebate: 3, limit_weight: 2 },
      { security_id: 2, taker_fee: 0, maker_rebate: 0, limit_weight: 1 },
    ]);
    const game = await db.selectFrom("games").select("config").where("id", "=", g).executeTakeFirstOrThrow();
    expect(game.config).to.include({ grossLimit: 500, netLimit: 300 });
  });

  it("rows written without the new columns read back with no fee, no rebate and weight 1; a rebate above the fee is refused", async () => {
    const g = newGameId("old");
    await db.insertInto("games").values({ id: g, name: g, config: "{}", created_ts: 1 }).execute();
    await sql`INSERT INTO securities (game_id, security_id, symbol, tick_size, lot_size, scale, band_low, band_high, added_seq, added_ts)
      VALUES (${g}, 1, 'OLD', '0.01', 1, 1, 1, 100, 2, 1)`.execute(db);
    await sql`INSERT INTO fills (game_id, seq, security_id, price, qty, notional, aggressor, maker_order_id, taker_order_id,
      maker_player_id, taker_player_id, maker_remaining, taker_remaining, ts)
      VALUES (${g}, 9, 1, 10, 1, 10, 'buy', 1, 2, 'a', 'b', 0, 0, 1)`.execute(db);
    expect(
      await db.selectFrom("fills").select(["taker_fee", "maker_rebate"]).where("game_id", "=", g).execute(),
    ).to.deep.equal([{ taker_fee: 0, maker_rebate: 0 }]);
    expect(
      await db
        .selectFrom("securities")
        .select(["taker_fee", "maker_rebate", "limit_weight"])
        .where("game_id", "=", g)
        .execute(),
    ).to.deep.equal([{ taker_fee: 0, maker_rebate: 0, limit_weight: 1 }]);
    await db
      .updateTable("securities")
      .set({ taker_fee: 2, maker_rebate: 3 })
      .where("game_id", "=", g)
      .execute()
      .then(
        () => expect.fail("a rebate above the fee was stored"),
        (err: Error) => expect(err.message).to.match(/check constraint/),
      );
    await db.deleteFrom("games").where("id", "=", g).execute();
    await db.deleteFrom("fills").where("game_id", "=", g).execute();
  });
});
