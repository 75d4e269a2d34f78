/**
 * Call market scheduling (docs/markets.md "Call market"), for rounds with rules.marketType "call":
 *
 * - At creation every security is put in call mode (core set_trading_mode), so no order ever matches
 *   on arrival.
 * - While the round runs, with E = rules.call.everySec and C = rules.call.continuousSec (ms below) and
 *   L = E + C: call k (k = 1, 2, ...) is at running time (k - 1) x L + E. With C = 0 a call is an
 *   `uncross` of each security and the book goes on collecting; with C > 0 it is a switch to
 *   continuous trading (which runs the call first), and at k x L each security goes back to call mode.
 *   Running time stops while paused, as for news (drivers.ts), so breaks between periods pause calls.
 * - The reference price of a call (its last tie-break) is the security's reference price at that
 *   running time (scoring/references.ts referencesAt: refPrice, the scenario's path, news shifts); none when 0.
 *
 * Each call is claimed in Valkey (HSETNX on game:{g}:meta:calls, field call:<k> / reopen:<k>) before it
 * is sent, so it runs at most once with several processes or after a restart. Only the latest due
 * call runs: calls missed while the process was down merge into one (a call clears everything that
 * crosses, whenever it runs). A poll every POLL_MS; a call is late by at most that plus the commit.
 */
import type { Redis } from "iovalkey";
import { CallRules, type MarketType } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import { referencesAt, type ReferenceSettings } from "../scoring/references.ts";
import type { MarketCommand } from "../engine/market-commands.ts";
import { unwrap } from "./errors.ts";
import type { GameHub } from "./hub.ts";
import type { GameRecord, GameStore } from "./store.ts";
import type { Schedule } from "./round-clock.ts";
import { GamePoller } from "./game-poller.ts";

/** How often a running call market checks its clock, ms. */
export const CALL_POLL_MS = 100;

/** The rules a call market reads from the round's settings. */
export interface CallSettings extends ReferenceSettings {
  rules: { marketType?: MarketType; call?: Partial<CallRules> };
}

export interface CallDeps {
  hub: GameHub;
  valkey: Redis;
  store: GameStore;
  log: Logger;
  /** The game's news shifts, for reference prices (drivers.ts withNews). */
  withNews: <S extends ReferenceSettings>(gameId: string, s: S) => Promise<S>;
}

const callsKey = (g: string) => `game:{${g}}:meta:calls`;

/** Which call (1-based) and which return to call mode are due at running time `t` ms (0 = none yet). */
export function dueCalls(rules: CallRules, t: number): { call: number; reopen: number } {
  const e = rules.everySec * 1000;
  const l = e + rules.continuousSec * 1000;
  const call = t < e ? 0 : Math.floor((t - e) / l) + 1;
  const reopen = rules.continuousSec > 0 ? Math.floor(t / l) : 0;
  return { call, reopen };
}

export class CallMarkets {
  private readonly poller = new GamePoller(
    CALL_POLL_MS,
    (gameId) => this.poll(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "call market poll failed"),
  );
  /** Per game: the last call and reopen this process knows ran. */
  private readonly done = new Map<string, { call: number; reopen: number }>();

  constructor(private readonly deps: CallDeps) {}

  /** Creation: a call market's securities enter call mode. */
  async setup(gameId: string, rules: CallSettings["rules"] | undefined, securityIds: number[]): Promise<void> {
    if (rules?.marketType !== "call") return;
    for (const securityId of securityIds)
      unwrap(await this.deps.hub.market(gameId, { type: "set_trading_mode", securityId, mode: "call" }));
  }

  /** Start, resume, restart: polls the call clock of a call market. */
  running(gameId: string, rec: GameRecord<CallSettings>): void {
    if (rec.settings.rules.marketType === "call") this.poller.start(gameId);
  }

  /** End (or shutdown): stops polling. */
  ended(gameId: string): void {
    this.poller.stop(gameId);
    this.done.delete(gameId);
  }

  shutdown(): void {
    for (const g of this.poller.games()) this.ended(g);
  }

  private async poll(gameId: string): Promise<void> {
    const rec = await this.deps.store.get(gameId);
    if (!rec || rec.endedAt) return this.ended(gameId);
    if (!rec.resumedAt) return; // paused: the running time stands still
    const rules = CallRules.parse(rec.settings.rules.call ?? {});
    const now = runningTime(rec, Date.now());
    const due = dueCalls(rules, now);
    const done = await this.doneOf(gameId);
    // in time order: a reopen at r x L comes after call r and before call r + 1
    if (due.reopen > done.reopen && due.reopen < due.call) await this.reopen(gameId, rec, due.reopen, done);
    if (due.call > done.call) await this.call(gameId, rec, rules, due.call, now, done);
    if (due.reopen > done.reopen) await this.reopen(gameId, rec, due.reopen, done);
  }

  private async doneOf(gameId: string): Promise<{ call: number; reopen: number }> {
    let d = this.done.get(gameId);
    if (!d) {
      const [call, reopen] = await this.deps.valkey.hmget(callsKey(gameId), "last_call", "last_reopen");
      d = { call: Number(call ?? 0), reopen: Number(reopen ?? 0) };
      this.done.set(gameId, d);
    }
    return d;
  }

  private async claim(gameId: string, field: string, at: number): Promise<boolean> {
    return (await this.deps.valkey.hsetnx(callsKey(gameId), field, String(at))) === 1;
  }

  private async call(
    gameId: string,
    rec: GameRecord<CallSettings>,
    rules: CallRules,
    k: number,
    now: number,
    done: { call: number },
  ): Promise<void> {
    done.call = k;
    if (!(await this.claim(gameId, `call:${k}`, now))) return;
    await this.deps.valkey.hset(callsKey(gameId), "last_call", k);
    const refs = referencesAt(await this.deps.withNews(gameId, rec.settings), now);
    for (const s of rec.settings.securities) {
      const ref = refs.get(s.securityId) ?? 0;
      const referencePrice = ref > 0 ? ref : undefined;
      const command: MarketCommand =
        rules.continuousSec > 0
          ? { type: "set_trading_mode", securityId: s.securityId, mode: "continuous", referencePrice }
          : { type: "uncross", securityId: s.securityId, referencePrice };
      const r = await this.deps.hub.market(gameId, command);
      if (!r.ok) this.deps.log.warn({ gameId, securityId: s.securityId, call: k, code: r.code }, "call not run");
    }
  }

  private async reopen(
    gameId: string,
    rec: GameRecord<CallSettings>,
    r: number,
    done: { reopen: number },
  ): Promise<void> {
    done.reopen = r;
    if (!(await this.claim(gameId, `reopen:${r}`, r))) return;
    await this.deps.valkey.hset(callsKey(gameId), "last_reopen", r);
    for (const s of rec.settings.securities) {
      const res = await this.deps.hub.market(gameId, {
        type: "set_trading_mode",
        securityId: s.securityId,
        mode: "call",
      });
      if (!res.ok)
        this.deps.log.warn({ gameId, securityId: s.securityId, reopen: r, code: res.code }, "call period not reopened");
    }
  }
}

/** Running time of a round at `now`, ms (as drivers.ts runningTime). */
function runningTime(s: Schedule, now: number): number {
  const stretch = s.resumedAt && !s.endedAt ? Math.max(0, now - s.resumedAt) : 0;
  return s.elapsedMs + stretch;
}
