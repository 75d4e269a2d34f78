/**
 * Crash safety with a real process: a persister child process is SIGKILLed at random moments while a
 * writer keeps trading, restarted each time, and at the end PostgreSQL must hold every event exactly
 * once with matching derived rows, and the stream must be empty.
 *
 * The child is started as `node --import tsx <script>` rather than through `npx tsx`, so that the
 * SIGKILL hits the persister itself and not a wrapper process that would leave it running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { Db } from "../../src/persistence/db.ts";
import { Engine, TradingGame, connect, connectDb, newRegistry, rng, streamState, verifyExactlyOnce, waitApplied } from "./helpers.ts";

const SCRIPT = fileURLToPath(new URL("./persister-proc.ts", import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Spawns the persister process and resolves once it prints "ready". */
function spawnPersister(registry: string, consumer: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, PERSIST_REGISTRY: registry, PERSIST_CONSUMER: consumer, PERSIST_BATCH: "20" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      if (out.includes("ready")) resolve(child);
    });
    child.once("exit", (code, sig) => reject(new Error(`persister process exited early (${code ?? sig})`)));
  });
}

/** Sends `signal` and waits for the process to be gone; returns its exit code or signal. */
function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<string> {
  return new Promise((resolve) => {
    child.once("exit", (code, sig) => resolve(String(code ?? sig)));
    child.kill(signal);
  });
}

async function eventRows(db: Db, gameId: string): Promise<number> {
  const r = await db.selectFrom("events").select(({ fn }) => fn.countAll<number>().as("n")).where("game_id", "=", gameId).executeTakeFirstOrThrow();
  return r.n;
}

describe("persistence: SIGKILL of a persister process", () => {
  let engine: Engine;
  let db: Db;
  let registry: string;
  let child: ChildProcess | undefined;

  before(async () => {
    engine = new Engine(await connect());
    db = await connectDb();
    registry = newRegistry();
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) await kill(child, "SIGKILL");
    await engine?.client.del(registry);
    await db?.destroy();
    await engine?.client.quit();
  });

  it("is killed mid-way 5 times while a writer trades; every event persists exactly once", async function () {
    this.timeout(300_000);
    const game = await TradingGame.create(engine, registry);
    let writing = true;
    // Capped, so the final catch-up does not grow with how slowly a busy machine starts the processes.
    const writer = game.tradeUntil(() => !writing || game.lastSeq >= 2500, 99, 2);
    const rand = rng(11);
    const rows: number[] = [];
    let midBatch = 0;
    for (let i = 0; i < 5; i++) {
      const before = await eventRows(db, game.gameId);
      child = await spawnPersister(registry, "proc");
      // Kill at a random moment after this process has written something (a busy machine may take a
      // while to get there; waiting for the condition keeps the kill from always hitting the start-up).
      while (await eventRows(db, game.gameId) === before) await sleep(10);
      await sleep(Math.floor(rand() * 350));
      expect(await kill(child, "SIGKILL")).to.equal("SIGKILL");
      const st = await streamState(engine.client, game.gameId);
      if (st.pending > 0) midBatch++;
      rows.push(await eventRows(db, game.gameId));
    }
    writing = false;
    await writer;
    expect(rows.at(-1)!, "the killed processes made progress").to.be.greaterThan(0);
    expect(rows.at(-1)!, "and the writer kept ahead of them").to.be.lessThan(game.lastSeq);
    child = await spawnPersister(registry, "proc");
    await waitApplied(db, game.gameId, game.lastSeq, 30_000);
    expect(await kill(child, "SIGTERM")).to.equal("0");
    await verifyExactlyOnce(db, game);
    expect(await streamState(engine.client, game.gameId)).to.deep.equal({ len: 0, pending: 0, events: 0, pendingEvents: 0 });
    console.log(`      ${game.lastSeq} events; rows after each kill ${rows.join(", ")}; ${midBatch} of 5 kills left a batch pending`);
  });
});
