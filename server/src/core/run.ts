/**
 * run(state, command, ctx): decide, evolve, and the cascade the command sets off, as ONE answer
 * (docs/core.md "Stop orders" and docs/margin.md "Liquidation"). This is what a game's writer calls.
 *
 * After the command's own events are evolved, follow-up steps run until none is left, each decided
 * against the state every earlier step left (pure, like decide) and evolved at once; their events are
 * appended to the command's (the result's `events`, same array, and `lastSeq`). In this order:
 *   1. bracket work, in the order of the events that caused it: an entry's fill arms its children
 *      (stop_armed: qty += the fill's qty); an entry cancelled before any fill drops its unarmed
 *      children (stop_cancelled "entry_unfilled");
 *   2. triggered stops, in trigger order: each fill checks the security's armed "last" stops against its
 *      price; those it reaches are queued, the farthest from the fill price first (the one the price
 *      passed first), then by stop id. A triggered stop logs stop_triggered, cancels its one-cancels-
 *      other partner (stop_cancelled "oco") and places its order (every place rule; a rejected order
 *      logs stop_cancelled "rejected" with the code instead, and the partner stays). Its own fills may
 *      queue further stops behind the ones already queued (breadth first);
 *   3. a CFD's waiting limit orders that a reference tick's quote reaches fill with the house, in order
 *      id order, each once (cfd-order.ts); then liquidations, one margin-called player at a time, step
 *      by step (liquidation.ts);
 *   4. when 1-3 are empty: stops that trigger on the mark are checked against every security's mark
 *      (queued as in 2), then, in margin mode after a fill or a reference change, every player's margin:
 *      each one whose equity is below the maintenance requirement gets a margin_call (in the order
 *      players were added) and is queued for 3. Then 1-4 again until nothing happens.
 * Stops and margin calls only act while the game is running. Every stop fires at most once (it leaves
 * the state when it triggers), and each step consumes a stop or an order or a position, so the
 * cascade ends.
 */
import { decide, type Decided } from "./decide/index.ts";
import { EventLog } from "./decide/context.ts";
import { checkOrder, executeOrder } from "./decide/order.ts";
import type { Command, DecideContext } from "./commands.ts";
import type { EngineEvent } from "@marketroom/shared";
import { evolve } from "./evolve.ts";
import { fillWaitingCfdOrders } from "./cfd-order.ts";
import { liquidationStep } from "./liquidation.ts";
import { markOf } from "./mark.ts";
import { Rejected } from "./reject.ts";
import { NO_CREDIT } from "./risk/index.ts";
import { marginStatus } from "./risk/margin.ts";
import type { CoreState, GameState, SecurityState, StopOrder } from "./state.ts";
import { reaches } from "./stops/stop-state.ts";

export function run<C extends Command>(state: CoreState, command: C, ctx: DecideContext): Decided<C> {
  const d = decide(state, command, ctx);
  if (!d.ok) return d;
  const events = d.events;
  for (let i = 0; i < events.length; i++) evolve(state, events[i]!);
  if (events.length === 0 || !mayCascade(state, events)) return d;
  const c = new Cascade(state, ctx.ts);
  c.observe(events);
  for (let step = c.next(); step !== null; step = c.next()) {
    for (const e of step) {
      evolve(state, e);
      events.push(e);
    }
    c.observe(step);
  }
  const r = d.result as { lastSeq?: number };
  if (typeof r.lastSeq === "number") r.lastSeq = state.seq;
  return d;
}

/** Whether anything could follow the events: a security with stops took part, or margin mode saw a price move. */
function mayCascade(state: CoreState, events: readonly EngineEvent[]): boolean {
  const margin = state.game?.mode === "margin";
  for (const e of events) {
    if (margin && (e.type === "fill" || e.type === "reference_price")) return true;
    const sid = "securityId" in e ? e.securityId : undefined;
    if (sid !== undefined && (state.securities.get(sid)?.stops.size ?? 0) > 0) return true;
  }
  return false;
}

type Task = { arm: boolean; sid: number; parent: number; qty: number };

class Cascade {
  private readonly tasks: Task[] = [];
  private readonly triggers: { sid: number; stopId: number; price: number }[] = [];
  private readonly queued = new Set<StopOrder>();
  private readonly liquidations: string[] = [];
  private readonly tried = new Map<string, Set<number>>();
  /** CFD securities whose quote a reference tick moved: their waiting orders are checked (cfd-order.ts). */
  private readonly cfdTicks: number[] = [];
  private scanStops = false;
  private scanMargin = false;

  constructor(
    private readonly state: CoreState,
    private readonly ts: number,
  ) {}

  private get game(): GameState {
    return this.state.game!;
  }

  observe(events: readonly EngineEvent[]): void {
    const margin = this.game.mode === "margin";
    for (const e of events) {
      switch (e.type) {
        case "fill": {
          const sec = this.state.securities.get(e.securityId)!;
          if (margin) this.scanMargin = true;
          if (sec.stops.size === 0) break;
          this.scanStops = true;
          for (const id of [e.makerOrderId, e.takerOrderId]) {
            if (sec.byParent.has(id)) this.tasks.push({ arm: true, sid: e.securityId, parent: id, qty: e.qty });
          }
          this.queue(sec, e.price, "last");
          break;
        }
        case "cfd_fill": {
          // a fill with the house (cfd-order.ts): arms a bracket, reaches "last" stops, moves margin
          const sec = this.state.securities.get(e.securityId)!;
          this.scanMargin = true;
          if (sec.stops.size === 0) break;
          this.scanStops = true;
          if (sec.byParent.has(e.orderId))
            this.tasks.push({ arm: true, sid: e.securityId, parent: e.orderId, qty: e.qty });
          this.queue(sec, e.price, "last");
          break;
        }
        case "order_cancelled": {
          const sec = this.state.securities.get(e.securityId)!;
          if (sec.byParent.has(e.orderId))
            this.tasks.push({ arm: false, sid: e.securityId, parent: e.orderId, qty: 0 });
          if (sec.stops.size > 0) this.scanStops = true;
          break;
        }
        case "order_rested":
        case "order_amended":
        case "reference_price":
          if (this.state.securities.get(e.securityId)!.stops.size > 0) this.scanStops = true;
          if (margin && e.type === "reference_price") this.scanMargin = true;
          if (e.type === "reference_price" && this.state.securities.get(e.securityId)!.kind === "cfd")
            this.cfdTicks.push(e.securityId);
          break;
        case "margin_call":
          this.liquidations.push(e.playerId);
          break;
        default:
          break;
      }
    }
  }

  /** Queues the armed stops of `sec` watching `trigger` that `price` reaches: farthest from it first, then by id. */
  private queue(sec: SecurityState, price: number, trigger: "last" | "mark"): void {
    if (this.game.phase !== "running" || price <= 0) return;
    const hit: StopOrder[] = [];
    for (const s of sec.stops.values()) {
      if (s.trigger === trigger && s.qty > 0 && !this.queued.has(s) && reaches(s, price)) hit.push(s);
    }
    hit.sort((a, b) => Math.abs(price - b.stopPrice) - Math.abs(price - a.stopPrice) || a.id - b.id);
    for (const s of hit) {
      this.queued.add(s);
      this.triggers.push({ sid: sec.info.securityId, stopId: s.id, price });
    }
  }

  /** The events of the next step, or null when the cascade is over. */
  next(): EngineEvent[] | null {
    const log = new EventLog(this.state.seq, this.ts);
    for (;;) {
      while (this.tasks.length > 0) {
        this.bracket(this.tasks.shift()!, log);
        if (log.events.length > 0) return log.events;
      }
      while (this.triggers.length > 0) {
        this.fire(this.triggers.shift()!, log);
        if (log.events.length > 0) return log.events;
      }
      while (this.cfdTicks.length > 0) {
        const sec = this.state.securities.get(this.cfdTicks.shift()!)!;
        if (fillWaitingCfdOrders(sec, this.game.phase === "running", log)) return log.events;
      }
      while (this.liquidations.length > 0) {
        const pid = this.liquidations[0]!;
        let tried = this.tried.get(pid);
        if (!tried) {
          tried = new Set();
          this.tried.set(pid, tried);
        }
        if (liquidationStep(this.state, this.game, this.state.players.get(pid)!, tried, log)) return log.events;
        this.liquidations.shift();
      }
      if (this.scanStops) {
        this.scanStops = false;
        for (const sid of this.state.securityIds) {
          const sec = this.state.securities.get(sid)!;
          if (sec.stops.size > 0) this.queue(sec, markOf(sec, this.game.markRule), "mark");
        }
        if (this.triggers.length > 0) continue;
      }
      if (this.scanMargin) {
        this.scanMargin = false;
        this.marginCalls(log);
        if (log.events.length > 0) return log.events;
      }
      return null;
    }
  }

  /** Arms a bracket entry's children by a fill, or drops its unarmed children when it left unfilled. */
  private bracket(t: Task, log: EventLog): void {
    const sec = this.state.securities.get(t.sid)!;
    const kids = (sec.byParent.get(t.parent) ?? []).map((id) => sec.stops.get(id)!);
    if (!t.arm && kids.some((k) => k.qty > 0)) return;
    for (const k of kids) {
      log.events.push(
        t.arm
          ? {
              type: "stop_armed",
              seq: log.next(),
              ts: log.ts,
              securityId: t.sid,
              stopId: k.id,
              playerId: k.playerId,
              qty: k.qty + t.qty,
            }
          : {
              type: "stop_cancelled",
              seq: log.next(),
              ts: log.ts,
              securityId: t.sid,
              stopId: k.id,
              playerId: k.playerId,
              reason: "entry_unfilled",
            },
      );
    }
  }

  /** A triggered stop: its order (or its rejection) and its partner's cancel. Nothing when it left meanwhile. */
  private fire(t: { sid: number; stopId: number; price: number }, log: EventLog): void {
    const sec = this.state.securities.get(t.sid)!;
    const s = sec.stops.get(t.stopId);
    if (!s) return;
    const player = this.state.players.get(s.playerId)!;
    const base = { securityId: t.sid, stopId: s.id, playerId: s.playerId };
    let o;
    try {
      o = checkOrder(
        this.state,
        this.game,
        sec,
        player,
        {
          playerId: s.playerId,
          side: s.side,
          orderType: s.orderType,
          tif: s.tif,
          postOnly: false,
          price: s.price,
          qty: s.qty,
          clientOrderId: undefined,
        },
        NO_CREDIT,
      );
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      log.events.push({
        type: "stop_cancelled",
        seq: log.next(),
        ts: log.ts,
        ...base,
        reason: "rejected",
        code: e.code,
      });
      return;
    }
    log.events.push({ type: "stop_triggered", seq: log.next(), ts: log.ts, ...base, triggerPrice: t.price });
    const partner = s.ocoStopId > 0 ? sec.stops.get(s.ocoStopId) : undefined;
    if (partner) {
      log.events.push({
        type: "stop_cancelled",
        seq: log.next(),
        ts: log.ts,
        securityId: t.sid,
        stopId: partner.id,
        playerId: partner.playerId,
        reason: "oco",
      });
    }
    executeOrder(log, this.game, sec, o);
  }

  /** Margin calls for every player below the maintenance requirement (in the order players were added). */
  private marginCalls(log: EventLog): void {
    if (this.game.phase !== "running") return;
    const waiting = new Set(this.liquidations);
    for (const p of this.state.players.values()) {
      if (waiting.has(p.playerId)) continue;
      let open = false;
      for (const pos of p.positions.values())
        if (pos.qty !== 0) {
          open = true;
          break;
        }
      if (!open && p.cash >= 0) continue;
      const { equity, maintenance } = marginStatus(this.state, p);
      if (equity < maintenance || equity < 0) {
        log.events.push({
          type: "margin_call",
          seq: log.next(),
          ts: log.ts,
          playerId: p.playerId,
          equity,
          maintenance,
        });
      }
    }
  }
}
