/**
 * Seeded randomness of the bots: every random choice a bot makes comes from a PRNG seeded from
 * (runner seed, playerId), so with the same seed, scenario and order of steps a run is reproducible.
 */

/**
 * mulberry32, a 32-bit PRNG by Tommy Ettinger (public domain; see
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). Returns floats in [0, 1).
 * Small, fast and good enough for bots; it is not for anything that needs to be unpredictable.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string (UTF-16 code units), for deriving seeds. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The seed of one bot: a hash of (runner seed, playerId), so bots of one run draw independent streams. */
export function botSeed(seed: number, playerId: string): number {
  return fnv1a32(`${seed >>> 0}:${playerId}`);
}

/** A seeded random source with the few draws strategies need. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi], inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}
