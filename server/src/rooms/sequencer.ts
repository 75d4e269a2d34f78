/**
 * Sequencer: puts event batches back in seq order. Events at or below `last` are dropped (already
 * applied); events after a gap wait until the gap is filled. `push` returns the events ready to apply,
 * in order, and advances `last`.
 */
import type { EngineEvent } from "@marketroom/shared";

export class Sequencer {
  private readonly waiting = new Map<number, EngineEvent>();

  constructor(public last: number) {}

  /** Adds events; returns those now contiguous after `last`, in seq order (`events` itself when it is just that). */
  push(events: readonly EngineEvent[]): readonly EngineEvent[] {
    if (this.waiting.size === 0 && this.follows(events)) {
      // the usual case (a batch of this process's commits, in order): no map of waiting events
      if (events.length) this.last = events[events.length - 1]!.seq;
      return events;
    }
    for (const e of events) if (e.seq > this.last) this.waiting.set(e.seq, e);
    const ready: EngineEvent[] = [];
    for (let e = this.waiting.get(this.last + 1); e; e = this.waiting.get(this.last + 1)) {
      this.waiting.delete(e.seq);
      ready.push(e);
      this.last = e.seq;
    }
    return ready;
  }

  /** Whether `events` are exactly the seqs last + 1, last + 2, ... */
  private follows(events: readonly EngineEvent[]): boolean {
    for (let i = 0; i < events.length; i++) if (events[i]!.seq !== this.last + 1 + i) return false;
    return true;
  }

  /** The first seq waiting behind a gap, or null when nothing waits. */
  firstWaiting(): number | null {
    let min: number | null = null;
    for (const s of this.waiting.keys()) if (min === null || s < min) min = s;
    return min;
  }

  /** Starts over at `last` (after a rebuild); waiting events after it are kept. */
  reset(last: number): void {
    this.last = last;
    for (const s of [...this.waiting.keys()]) if (s <= last) this.waiting.delete(s);
  }
}
