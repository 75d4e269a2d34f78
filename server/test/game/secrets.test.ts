/**
 * The secret files (game/secrets.ts): created once with mode 0600 in a 0700 folder, the same secret for
 * every later reader, refused when others may read them or when too short; the admin token compared by hash.
 */
import { expect } from "chai";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminToken, MIN_SECRET_CHARS, loadAdminToken, loadSecret } from "../../src/game/secrets.ts";

describe("secret files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "marketroom-secrets-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("a missing file is created once (0600 in a new 0700 folder); later loads read the same secret", () => {
    const file = join(dir, "sub", "token-secret");
    const first = loadSecret("TOKEN_SECRET", undefined, file);
    expect(first).to.include({ created: true, path: file });
    expect(first.value.length).to.be.at.least(MIN_SECRET_CHARS);
    expect((statSync(file).mode & 0o777).toString(8)).to.equal("600");
    expect((statSync(join(dir, "sub")).mode & 0o777).toString(8)).to.equal("700");
    const again = loadSecret("TOKEN_SECRET", undefined, file);
    expect(again).to.deep.equal({ value: first.value, created: false, path: file });
    expect(readFileSync(file, "utf8").trim()).to.equal(first.value);
  });

  it("repeated loads agree on one secret (creation is create-if-absent via link)", () => {
    const file = join(dir, "admin-token");
    const values = new Set(Array.from({ length: 20 }, () => loadSecret("ADMIN_TOKEN", undefined, file).value));
    expect(values.size).to.equal(1);
  });

  it("the environment wins; an initial value seeds a new file only", () => {
    const file = join(dir, "admin-token");
    const env = "e".repeat(MIN_SECRET_CHARS);
    expect(loadSecret("ADMIN_TOKEN", env, file)).to.deep.equal({ value: env, created: false, path: null });
    const seeded = "s".repeat(MIN_SECRET_CHARS);
    expect(loadSecret("ADMIN_TOKEN", undefined, file, seeded).value).to.equal(seeded);
    expect(loadSecret("ADMIN_TOKEN", undefined, file, "x".repeat(40)).value).to.equal(seeded);
  });

  it("refuses a file others may read, and a secret that is too short", () => {
    const open = join(dir, "open");
    writeFileSync(open, "o".repeat(40));
    chmodSync(open, 0o644);
    expect(() => loadSecret("TOKEN_SECRET", undefined, open)).to.throw(/mode 644.*chmod 600/);
    const short = join(dir, "short");
    writeFileSync(short, "tooshort", { mode: 0o600 });
    expect(() => loadSecret("TOKEN_SECRET", undefined, short)).to.throw(/at least 32 characters/);
    expect(() => loadSecret("ADMIN_TOKEN", "tooshort", join(dir, "unused"))).to.throw(/ADMIN_TOKEN must be at least/);
  });

  it("the admin token matches itself only", () => {
    const token = "a".repeat(43);
    const admin = new AdminToken(token);
    expect(admin.matches(token)).to.equal(true);
    for (const other of ["", "a".repeat(42), "a".repeat(44), `${"a".repeat(42)}b`])
      expect(admin.matches(other), other).to.equal(false);
  });

  it("the admin token file keeps only the token's SHA-256; the plain token is known only to the start that made it", () => {
    const file = join(dir, "admin-token");
    const made = loadAdminToken(undefined, file);
    expect(made.created).to.equal(true);
    const plain = made.plain!;
    expect(plain.length).to.be.at.least(MIN_SECRET_CHARS);
    const line = readFileSync(file, "utf8").trim();
    expect(line).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(line.includes(plain)).to.equal(false);
    expect((statSync(file).mode & 0o777).toString(8)).to.equal("600");
    const later = loadAdminToken(undefined, file);
    expect(later.plain).to.equal(null);
    expect(later.token.matches(plain)).to.equal(true);
    expect(later.token.matches(`${plain}x`)).to.equal(false);
  });

  it("an admin token file from before hashing (the plain token) is replaced by its hash and still matches", () => {
    const file = join(dir, "admin-token");
    const old = "p".repeat(MIN_SECRET_CHARS + 3);
    writeFileSync(file, `${old}\n`, { mode: 0o600 });
    const loaded = loadAdminToken(undefined, file);
    expect(loaded.token.matches(old)).to.equal(true);
    expect(readFileSync(file, "utf8").trim()).to.equal(AdminToken.stored(old));
    expect((statSync(file).mode & 0o777).toString(8)).to.equal("600");
  });
});
