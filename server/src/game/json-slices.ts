/**
 * JSON text of a large plain value built over several turns of the event loop, so serializing it never
 * holds the loop for long (game/checkpoints.ts: a room's checkpoint is about 1.2 MB of JSON with 200
 * players, whose `JSON.stringify` took 10-35 ms of the room's only thread; docs/throughput.md "Stop 18").
 *
 * The output is exactly `JSON.stringify(value)` for plain data: objects, arrays, strings, numbers,
 * booleans and null (object keys whose value is undefined are left out and undefined array items are
 * `null`, as JSON.stringify does). Objects and arrays are walked down to `depth` levels; anything deeper,
 * and any object with a `toJSON` or a non-plain prototype, is serialized whole by JSON.stringify.
 *
 * The caller must not change `value` until the promise settles (give it a copy when the source keeps
 * changing, as GameModel.checkpointData does).
 */

/** Time one turn may spend serializing before it yields to the loop, ms. */
export const SLICE_MS = 2;

/** Yields to the event loop (after I/O callbacks) and resolves. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A plain object or array this walker may open (no toJSON, Object or null prototype, or an array). */
function walkable(v: object): boolean {
  if (Array.isArray(v)) return true;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** JSON.stringify skips these as object values and writes null for them as array items. */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/**
 * `JSON.stringify(value)`, built piece by piece and yielding to the event loop whenever one turn has spent
 * `sliceMs` ms on it. `depth` (default 3) is how many levels of objects and arrays are walked rather than
 * handed to JSON.stringify whole: deep enough that no single piece is large. Rejects with JSON.stringify's
 * own errors (a cycle, a BigInt). The value's top level must be an object or array.
 */
export async function stringifyInSlices(value: object, depth = 3, sliceMs = SLICE_MS): Promise<string> {
  const parts: string[] = [];
  let since = performance.now();
  const write = async (v: unknown, levels: number): Promise<void> => {
    if (levels === 0 || v === null || typeof v !== "object" || !walkable(v)) {
      parts.push(JSON.stringify(v) ?? "null");
      if (performance.now() - since >= sliceMs) {
        await nextTurn();
        since = performance.now();
      }
      return;
    }
    if (Array.isArray(v)) {
      parts.push("[");
      for (let i = 0; i < v.length; i++) {
        if (i > 0) parts.push(",");
        const item: unknown = v[i];
        await write(skipped(item) ? null : item, levels - 1);
      }
      parts.push("]");
      return;
    }
    parts.push("{");
    let first = true;
    for (const key of Object.keys(v)) {
      const item: unknown = (v as Record<string, unknown>)[key];
      if (skipped(item)) continue;
      parts.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      await write(item, levels - 1);
    }
    parts.push("}");
  };
  await write(value, depth);
  return parts.join("");
}
