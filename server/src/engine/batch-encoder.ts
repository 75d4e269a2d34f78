/**
 * BatchEncoder: a batch's events and key changes, coalesced per key (the last write of a field wins,
 * a DEL drops what came before it) and encoded as the body of one commit-n.lua call (RESP, written
 * once into one buffer). docs/commit.md "One commit call" and "Op encoding".
 */
import { CommitError, type KeyOp } from "./commit-ops.ts";
import { eventsKey, ownerKey, seqKey } from "./keys.ts";
import { respWriter, type RespBody, type RespWriter } from "./resp.ts";

/**
 * The key changes of a batch's deferred commands (key-ops.ts), written into the batch's encoder once,
 * when the batch is sealed: the room's state is then exactly the state after the batch's last command.
 */
export interface BatchProjection {
  write(encoder: BatchEncoder): void;
}

/**
 * A command's key changes left to its batch: `addTo` marks what the command's `events` (the objects
 * the command hands to the committer, in order) changed on the batch's projection (null for the
 * batch's first such command, which creates it) and returns the projection. One value serves every
 * command of a writer (key-ops.ts keyOpsFor), so a command allocates nothing for it.
 */
export interface DeferredKeyOps {
  addTo(projection: BatchProjection | null, events: readonly unknown[]): BatchProjection;
}

/** The Valkey type of a key. */
export type Kind = "hash" | "zset" | "set" | "string";
const KIND: Record<KeyOp[0], Kind | null> = {
  HSET: "hash",
  HDEL: "hash",
  ZADD: "zset",
  ZREM: "zset",
  SADD: "set",
  SREM: "set",
  SET: "string",
  DEL: null,
};

/** A value of a key's entries (KeyChange): a number is sent as its decimal text. */
type Value = string | number;

/**
 * The entries of one key that a batch writes (BatchEncoder.entriesOf): hash field -> value, zset
 * member -> integer score; null removes. Later writes to a name win.
 */
export interface KeyEntries {
  set(name: string, value: Value | null): void;
}

/** A KeyChange's entries before its first write (shared: nothing is ever added to it). */
const NO_ENTRIES: (string | Value | null)[] = [];

/** Names a KeyChange finds by scanning its list; past this many it keeps a Map index as well. */
const SMALL = 16;

/**
 * What a batch does to one key, net: `reset` when a DEL dropped its earlier content, then the
 * entries it writes: hash field -> value, zset member -> score, set member -> "", string "" -> value;
 * null = removed. Applying the ops one by one or this net change in one go ends in the same state.
 *
 * The entries are a flat list `name, value, ...` in the order names were first written (a Map's
 * insertion order), a later write replacing the value in place, with a Map index only past SMALL
 * names. A Map per changed key, grown entry by entry, was about a tenth of the commit path's bytes per
 * command at the paced rate's batch sizes (docs/commit.md "Stop 22"); most keys of a batch hold a few
 * entries (an inventory 2 + 3 per security, a book side a few members).
 */
class KeyChange implements KeyEntries {
  reset = false;
  private flat: (string | Value | null)[] = NO_ENTRIES;
  /** name -> its position in flat, once there are more than SMALL names. */
  private index: Map<string, number> | null = null;

  constructor(
    readonly key: string,
    public kind: Kind | null,
  ) {}

  /** Names written. */
  get size(): number {
    return this.flat.length >> 1;
  }

  set(name: string, value: Value | null): void {
    const f = this.flat;
    if (f.length === 0) {
      // a list of two (a key written once in the batch: most of them) rather than the 17 slots
      // a first push makes
      this.flat = [name, value];
      return;
    }
    if (this.index === null) {
      for (let i = 0; i < f.length; i += 2) {
        if (f[i] === name) {
          f[i + 1] = value;
          return;
        }
      }
      f.push(name, value);
      if (f.length > 2 * SMALL) {
        const index = new Map<string, number>();
        for (let i = 0; i < f.length; i += 2) index.set(f[i] as string, i);
        this.index = index;
      }
      return;
    }
    const at = this.index.get(name);
    if (at !== undefined) f[at + 1] = value;
    else {
      this.index.set(name, f.length);
      f.push(name, value);
    }
  }

  /** The value written to `name`: undefined when none, null when removed. */
  get(name: string): Value | null | undefined {
    const f = this.flat;
    if (this.index !== null) {
      const at = this.index.get(name);
      return at === undefined ? undefined : (f[at + 1] as Value | null);
    }
    for (let i = 0; i < f.length; i += 2) if (f[i] === name) return f[i + 1] as Value | null;
    return undefined;
  }

  /** The i-th name written (0 <= i < size). */
  nameAt(i: number): string {
    return this.flat[2 * i] as string;
  }

  /** The value of the i-th name written. */
  valueAt(i: number): Value | null {
    return this.flat[2 * i + 1] as Value | null;
  }

  /** Drops every entry (a string key's set() clears first: nothing is allocated while it is empty). */
  clear(): void {
    this.flat = NO_ENTRIES;
    this.index = null;
  }
}

/** Most arguments per op the script accepts (lua/commands/commit-n.lua MAX_ARGS). */
const MAX_ARGS = 1024;

/** The orders a batch writes under one book (`game:{g}:security:<s>:orderbook`), see BatchEncoder.order*. */
interface OrderChanges {
  key: string;
  /**
   * New orders (ORD): member, fields, member, fields... (packed when the batch is encoded). Each
   * list is made at its first order (null until then): a book of a small batch often has no
   * updated or deleted order, and one list for members and fields is one allocation instead of two
   * (docs/commit.md "Stop 22").
   */
  created: (string | OrderFields)[] | null;
  /** Existing orders whose open amount changed, member and fields alike (OUPD). */
  updated: (string | OrderFields)[] | null;
  /** Members of the orders to delete. */
  deleted: string[] | null;
}

/**
 * An order's fields as the commit script's ORD/OUPD ops and the book's index (`<book>:resting`) hold
 * them, packed with its member: member, side, price, qty, amount, player_id, ts, post_only (1/0), cid
 * (or nothing) separated by tabs (cid last: it is the only free text; player ids are tokens). The
 * core's RestingOrder has these fields; writeOrders packs them.
 */
export interface OrderFields {
  side: "buy" | "sell";
  price: number;
  qty: number;
  amount: number;
  playerId: string;
  ts: number;
  postOnly: boolean;
  clientOrderId: string | undefined;
}

/**
 * A batch being encoded into the commit script's KEYS and ARGV. Changes are coalesced per key (the
 * net change of the batch: later writes to a field win, a DEL drops what came before), so a key
 * touched by many commands costs one or two ops; each changed key is sent once. Events keep their
 * order and travel as ONE argument (their JSON texts joined by newlines, which JSON text never
 * contains). Orders are not sent as keys: the ORD, OUPD and ODEL ops name their book and the script
 * derives the order hash `<book>:<member>` and the book's index `<book>:resting` (same hash tag, so
 * the same cluster slot).
 *
 * Two ways in: `add(events, ops)` with generic KeyOps (checked with checkOps by the caller), or the
 * typed writers (`hset`, `zadd`, `orderCreated`...) that the key-ops projection uses once per batch.
 */
export class BatchEncoder {
  private readonly changes = new Map<string, KeyChange>();
  private readonly books = new Map<string, OrderChanges>();
  readonly events: string[] = [];

  constructor(readonly gameId: string) {}

  /**
   * Appends events (JSON text, or objects, serialised here with JSON.stringify) and ops (checked with
   * checkOps by the caller). Throws CommitError BAD_OP, and adds nothing, when an op would give a key
   * a second type within the batch (between DELs), which Valkey would refuse; BAD_ARG when a text
   * holds a raw newline (JSON.stringify never writes one); whatever JSON.stringify throws.
   */
  add(events: readonly (string | object)[], ops: readonly KeyOp[]): void {
    if (ops.length > 0) {
      const kinds = new Map<string, Kind | null>();
      for (const op of ops) {
        const kind = KIND[op[0]];
        const key = op[1];
        const had = kinds.has(key) ? kinds.get(key)! : (this.changes.get(key)?.kind ?? null);
        if (kind && had && had !== kind) throw new CommitError("BAD_OP", `${key} gets both ${had} and ${kind} ops`);
        kinds.set(key, op[0] === "DEL" ? null : kind);
      }
    }
    for (const e of events) {
      if (typeof e === "string" && e.includes("\n"))
        throw new CommitError("BAD_ARG", "an event's JSON text contains a raw newline");
    }
    const texts = this.events;
    const before = texts.length;
    try {
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        texts.push(typeof e === "string" ? e : JSON.stringify(e));
      }
    } catch (err) {
      texts.length = before;
      throw err;
    }
    for (const op of ops) this.apply(op);
  }

  private change(key: string, kind: Kind | null): KeyChange {
    let c = this.changes.get(key);
    if (!c) {
      c = new KeyChange(key, kind);
      this.changes.set(key, c);
    } else if (kind !== null) {
      c.kind = kind;
    }
    return c;
  }

  private apply(op: KeyOp): void {
    const name = op[0];
    if (name === "DEL") {
      this.del(op[1]);
      return;
    }
    const e = this.change(op[1], KIND[name]);
    switch (name) {
      case "HSET":
        for (let j = 2; j < op.length; j += 2) e.set(String(op[j]), String(op[j + 1]));
        break;
      case "ZADD":
        for (let j = 2; j < op.length; j += 2) e.set(String(op[j + 1]), String(op[j]));
        break;
      case "SADD":
        for (let j = 2; j < op.length; j++) e.set(String(op[j]), "");
        break;
      case "HDEL":
      case "ZREM":
      case "SREM":
        for (let j = 2; j < op.length; j++) e.set(String(op[j]), null);
        break;
      case "SET":
        e.clear();
        e.set("", String(op[2]));
        break;
    }
  }

  /** Sets hash fields: field, value, field, value... (later writes win). */
  hset(key: string, ...pairs: (string | number)[]): void {
    const e = this.change(key, "hash");
    for (let j = 0; j < pairs.length; j += 2) {
      const v = pairs[j + 1];
      e.set(String(pairs[j]), typeof v === "number" ? v : String(v));
    }
  }

  /** Deletes a hash field. */
  hdel(key: string, field: string | number): void {
    this.change(key, "hash").set(String(field), null);
  }

  /**
   * The net entries of a hash or zset key, to write many at once: hash field -> value, zset member ->
   * score (integer text); null removes. Same effect as hset/hdel or zadd/zrem one by one.
   */
  entriesOf(key: string, kind: "hash" | "zset"): KeyEntries {
    return this.change(key, kind);
  }

  /** Adds or re-scores a zset member (integer score). */
  zadd(key: string, score: number, member: string): void {
    this.change(key, "zset").set(member, score);
  }

  /** Removes a zset member. */
  zrem(key: string, member: string): void {
    this.change(key, "zset").set(member, null);
  }

  /** Adds a set member. */
  sadd(key: string, member: string | number): void {
    this.change(key, "set").set(String(member), "");
  }

  /** Sets a string key. */
  set(key: string, value: string | number): void {
    const e = this.change(key, "string");
    e.clear();
    e.set("", value);
  }

  /** Deletes a key (whatever was written to it earlier in the batch is dropped). */
  del(key: string): void {
    const c = this.change(key, null);
    c.reset = true;
    c.kind = null;
    c.clear();
  }

  private book(bookKey: string): OrderChanges {
    let b = this.books.get(bookKey);
    if (!b) {
      b = { key: bookKey, created: null, updated: null, deleted: null };
      this.books.set(bookKey, b);
    }
    return b;
  }

  /**
   * Writes a new order (OrderFields): its hash `<bookKey>:<member>` with the fields side price qty
   * amount player_id cid ts post_only, and its entry in `<bookKey>:resting`. Each order at most once
   * per batch, through one of orderCreated, orderUpdated, orderDeleted. The fields are read when the
   * batch is encoded (packed straight into the call, without a string per order), so `order` must
   * not change before that: the committer encodes a batch as soon as its projection is written.
   */
  orderCreated(bookKey: string, member: string, order: OrderFields): void {
    const b = this.book(bookKey);
    if (b.created === null) b.created = [member, order];
    else b.created.push(member, order);
  }

  /** An existing order whose amount changed (OrderFields; read as orderCreated says): its hash's `amount` and its index entry. */
  orderUpdated(bookKey: string, member: string, order: OrderFields): void {
    const b = this.book(bookKey);
    if (b.updated === null) b.updated = [member, order];
    else b.updated.push(member, order);
  }

  /** Deletes the order hash `<bookKey>:<member>` and its index entry. */
  orderDeleted(bookKey: string, member: string): void {
    const b = this.book(bookKey);
    if (b.deleted === null) b.deleted = [member];
    else b.deleted.push(member);
  }

  /** Keys the batch changes (order hashes not counted). */
  get keyCount(): number {
    return this.changes.size;
  }

  /**
   * The commit-n call, encoded (resp.ts): numkeys, KEYS, epoch, expected seq, n, events (joined), the
   * number of KEYS to type-check, ops. `known` (optional, kept by the caller across its batches) maps
   * keys to the type they will have once every batch encoded before this one is committed: a key
   * whose ops need that type is not type-checked again (the script checks the first KEYS only, and
   * those come first). Updates `known` with this batch's keys. Written straight into bytes, without
   * an array of arguments or a string per argument (docs/commit.md "Stop 18").
   */
  encode(epoch: number, lastSeq: number, known: Map<string, Kind> = new Map()): EncodedBatch {
    const checked: (KeyChange | OrderChanges)[] = [];
    const trusted: (KeyChange | OrderChanges)[] = [];
    for (const c of this.changes.values()) {
      if (!c.reset && c.size === 0) continue; // looked up (entriesOf) but not written
      (c.reset || c.kind === null || c.kind === "string" || known.get(c.key) === c.kind ? trusted : checked).push(c);
      if (c.kind !== null) known.set(c.key, c.kind);
      else known.delete(c.key);
    }
    for (const b of this.books.values()) {
      // a book key can also carry generic ops (the levels hash): its order ops go under a second KEYS entry
      const index = `${b.key}:resting`;
      (known.get(index) === "hash" ? trusted : checked).push(b);
      known.set(index, "hash");
    }
    const keys: string[] = [ownerKey(this.gameId), seqKey(this.gameId), eventsKey(this.gameId)];
    for (const c of checked) keys.push(c.key);
    for (const c of trusted) keys.push(c.key);
    const w = respWriter();
    w.int(keys.length);
    for (const key of keys) w.bulk(key);
    w.int(epoch);
    w.int(lastSeq);
    w.int(this.events.length);
    w.joined(this.events, NEWLINE);
    w.int(checked.length);
    let k = 4; // Lua's 1-based KEYS index
    for (const c of checked) writeOps(w, c, k++);
    for (const c of trusted) writeOps(w, c, k++);
    return { body: w.take(), keys };
  }
}

/** A batch's commit call, encoded (BatchEncoder.encode): the arguments as RESP and the call's KEYS. */
export interface EncodedBatch {
  body: RespBody;
  keys: string[];
}

const NEWLINE = 0x0a;
const TAB = 0x09;
const ZERO = 0x30;
const ONE = 0x31;
const PUT: Record<"hash" | "zset" | "set", string> = { hash: "HSET", zset: "ZADD", set: "SADD" };
const DROP: Record<"hash" | "zset" | "set", string> = { hash: "HDEL", zset: "ZREM", set: "SREM" };

/** The net ops of one key (KEYS[k]) as `<op> <k> <c> <args>`: a generic key's, or a book's order ops. */
function writeOps(w: RespWriter, c: KeyChange | OrderChanges, k: number): void {
  if (!(c instanceof KeyChange)) {
    if (c.deleted !== null) writeList(w, "ODEL", k, c.deleted);
    if (c.created !== null) writeOrders(w, "ORD", k, c.created);
    if (c.updated !== null) writeOrders(w, "OUPD", k, c.updated);
    return;
  }
  if (c.reset) writeHead(w, "DEL", k, 0);
  if (c.kind === null) return;
  if (c.kind === "string") {
    const v = c.get("");
    if (v != null) {
      writeHead(w, "SET", k, 1);
      writeValue(w, v);
    } else if (!c.reset) writeHead(w, "DEL", k, 0);
    return;
  }
  let removed = 0;
  let added = 0;
  for (let i = 0; i < c.size; i++) {
    if (c.valueAt(i) === null) removed += 1;
    else added += 1;
  }
  if (removed > 0 && !c.reset) writeEntries(w, DROP[c.kind], k, c, removed, false);
  if (added > 0) writeEntries(w, PUT[c.kind], k, c, c.kind === "set" ? added : 2 * added, true);
}

/** `<op> <k> <c>`: an op's name, key index and argument count. */
function writeHead(w: RespWriter, op: string, k: number, c: number): void {
  w.bulk(op);
  w.int(k);
  w.int(c);
}

/** A value as the generic ops send it: a number in decimal. */
function writeValue(w: RespWriter, v: Value): void {
  if (typeof v === "string") w.bulk(v);
  else if (Number.isSafeInteger(v)) w.int(v);
  else w.bulk(String(v));
}

/**
 * The set (`put`) or removed entries of a hash, zset or set key as ops of at most MAX_ARGS arguments
 * (whole pairs): hash field value, zset score member, set member. `total` is their argument count.
 */
function writeEntries(w: RespWriter, op: string, k: number, c: KeyChange, total: number, put: boolean): void {
  const step = put && c.kind !== "set" ? 2 : 1;
  const chunk = MAX_ARGS - (MAX_ARGS % step);
  let left = total;
  let room = 0;
  for (let i = 0; i < c.size; i++) {
    const v = c.valueAt(i);
    if ((v === null) === put) continue;
    const m = c.nameAt(i);
    if (room === 0) {
      room = Math.min(left, chunk);
      left -= room;
      writeHead(w, op, k, room);
    }
    room -= step;
    if (!put || c.kind === "set") w.bulk(m);
    else if (c.kind === "hash") {
      w.bulk(m);
      writeValue(w, v as Value);
    } else {
      writeValue(w, v as Value);
      w.bulk(m);
    }
  }
}

/** `op k c <orders>` in chunks of at most MAX_ARGS orders (`list`: member, fields, member, fields...), each packed (OrderFields). */
function writeOrders(w: RespWriter, op: string, k: number, list: readonly (string | OrderFields)[]): void {
  const count = list.length >> 1;
  for (let from = 0; from < count; from += MAX_ARGS) {
    const to = Math.min(count, from + MAX_ARGS);
    writeHead(w, op, k, to - from);
    for (let j = from; j < to; j++) {
      const o = list[2 * j + 1] as OrderFields;
      w.begin(64);
      w.append(list[2 * j] as string);
      w.appendByte(TAB);
      w.append(o.side);
      w.appendByte(TAB);
      w.appendNumber(o.price);
      w.appendByte(TAB);
      w.appendNumber(o.qty);
      w.appendByte(TAB);
      w.appendNumber(o.amount);
      w.appendByte(TAB);
      w.append(o.playerId);
      w.appendByte(TAB);
      w.appendNumber(o.ts);
      w.appendByte(TAB);
      w.appendByte(o.postOnly ? ONE : ZERO);
      w.appendByte(TAB);
      if (o.clientOrderId !== undefined) w.append(o.clientOrderId);
      w.end();
    }
  }
}

/** `op k c <items>` in chunks of at most MAX_ARGS items. */
function writeList(w: RespWriter, op: string, k: number, items: readonly string[]): void {
  for (let from = 0; from < items.length; from += MAX_ARGS) {
    const to = Math.min(items.length, from + MAX_ARGS);
    writeHead(w, op, k, to - from);
    for (let j = from; j < to; j++) w.bulk(items[j]!);
  }
}
