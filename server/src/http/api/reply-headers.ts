/**
 * Response headers the fast lane (fast-lane.ts) holds until it writes the reply, so a request's headers
 * (CORS, RateLimit-*, Retry-After, Content-Type, Content-Length) reach Node in one `writeHead(status,
 * [name, value, ...])` instead of one `setHeader` each: with ten headers per reply that was about
 * 2.7 µs per request (a loop of ServerResponse objects: 4.9 µs with setHeader, 2.2 µs with the array;
 * docs/api-benchmark.md "Stop 18"). The bytes on the wire are the same: Node writes the
 * array's headers in its order, as it writes setHeader's in the order of their first setting.
 *
 * On the Express door nothing is held: `setReplyHeader` is `res.setHeader` there.
 */
import type { ServerResponse } from "node:http";

const HELD = Symbol("heldReplyHeaders");
type Holding = ServerResponse & { [HELD]?: (string | number)[] };

/** From now on `res` holds the headers set with setReplyHeader, starting with `first` ([name, value, ...]). */
export function holdHeaders(res: ServerResponse, first: readonly string[]): void {
  (res as Holding)[HELD] = first.slice();
}

/**
 * `res.setHeader(name, value)`, held in order when `res` holds headers. As setHeader, setting a name again
 * replaces its value in its first place (names compare exactly: callers use one spelling per header).
 */
export function setReplyHeader(res: ServerResponse, name: string, value: string): void {
  const held = (res as Holding)[HELD];
  if (!held) {
    res.setHeader(name, value);
    return;
  }
  for (let i = 0; i < held.length; i += 2)
    if (held[i] === name) {
      held[i + 1] = value;
      return;
    }
  held.push(name, value);
}

/**
 * Takes the held headers off `res` for a writeHead of its own, with `more` ([name, value, ...]) after them;
 * undefined when `res` holds none or headers were also set with res.setHeader directly (then they are
 * handed to setHeader, ahead of those, as if set first: see releaseHeaders).
 */
export function takeHeaders(res: ServerResponse, more: (string | number)[]): (string | number)[] | undefined {
  const held = (res as Holding)[HELD];
  if (!held) return undefined;
  if (res.getHeaderNames().length > 0) {
    releaseHeaders(res);
    return undefined;
  }
  (res as Holding)[HELD] = undefined;
  for (const x of more) held.push(x);
  return held;
}

/**
 * Hands the held headers to res.setHeader (for a reply written another way), before any set there
 * directly since they were held: the order they would have had had each been set with setHeader.
 */
export function releaseHeaders(res: ServerResponse): void {
  const held = (res as Holding)[HELD];
  if (!held) return;
  (res as Holding)[HELD] = undefined;
  // getRawHeaderNames (Node >= 15.13, not in @types/node's ServerResponse): the names as they were set
  const raw = (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames();
  const direct = raw.map((name) => [name, res.getHeader(name)!] as const);
  for (const [name] of direct) res.removeHeader(name);
  for (let i = 0; i < held.length; i += 2) res.setHeader(held[i] as string, held[i + 1]!);
  for (const [name, value] of direct) res.setHeader(name, value);
}
