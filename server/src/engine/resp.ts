/**
 * RESP encoding of one command's arguments straight into bytes, for the commit script's calls
 * (commands.ts ScriptCall; docs/commit.md "Stop 18"). A batch's call is a few hundred arguments; built
 * as a string (one template literal and one concatenation per argument, then one flattening when the
 * socket writes it) it was the largest allocation of the commit path, about a quarter of its bytes per
 * command. Here every argument is written into one scratch buffer, reused by every call of the process,
 * and the finished body is copied out once into a buffer of its own size: one allocation per call,
 * outside the JavaScript heap's young generation.
 *
 *   const w = respWriter();          // the process's writer, empty; use it synchronously
 *   w.bulk("HSET"); w.int(4); w.joined(texts, 0x0a);
 *   const body = w.take();           // { bytes, argc }: HEAD_ROOM free bytes, then the bulk strings
 *
 * Output is byte for byte what `$<bytes>\r\n<text>\r\n` per argument gives (numbers in decimal).
 */

/** Bytes left free before the body for the command's header (`*<n>\r\n$7\r\nevalsha\r\n$40\r\n<sha>\r\n`: 63 + digits). */
export const HEAD_ROOM = 80;

/** A call's arguments as RESP bulk strings: `bytes` starts with HEAD_ROOM free bytes, then `argc` bulk strings. */
export interface RespBody {
  bytes: Buffer;
  argc: number;
}

const CR = 0x0d;
const LF = 0x0a;
const DOLLAR = 0x24;
const MINUS = 0x2d;
const ZERO = 0x30;
/** Strings up to this many UTF-16 units are copied by append's loop when they are ASCII. */
const SHORT = 48;

/** Decimal digits of a non-negative safe integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d += 1;
  }
  return d;
}

/** Writes the decimal digits of `n` (a non-negative safe integer) at `at`; returns the offset after them. */
function decimalAt(b: Buffer, n: number, at: number): number {
  const end = at + digits(n);
  let p = end;
  do {
    const q = Math.floor(n / 10);
    b[--p] = ZERO + (n - q * 10);
    n = q;
  } while (n > 0);
  return end;
}

/** Appends RESP bulk strings into a growing scratch buffer (see module doc). */
export class RespWriter {
  private buf = Buffer.allocUnsafeSlow(64 * 1024);
  private pos = HEAD_ROOM;
  private count = 0;
  /** The open argument (see begin/end): where its header starts, its payload, its header's digits. */
  private bulkAt = 0;
  private payloadAt = 0;
  private guessDigits = 0;

  /** Drops whatever was written (a call whose encoding threw). */
  reset(): void {
    this.pos = HEAD_ROOM;
    this.count = 0;
  }

  /** One string argument (UTF-8). */
  bulk(s: string): void {
    this.begin(s.length);
    this.append(s);
    this.end();
  }

  /** One integer argument, in decimal (a safe integer: the callers check theirs). */
  int(n: number): void {
    const neg = n < 0;
    const abs = neg ? -n : n;
    this.room(40);
    const b = this.buf;
    let p = this.pos;
    b[p++] = DOLLAR;
    p = decimalAt(b, digits(abs) + (neg ? 1 : 0), p);
    b[p++] = CR;
    b[p++] = LF;
    if (neg) b[p++] = MINUS;
    p = decimalAt(b, abs, p);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
    this.count += 1;
  }

  /** One argument made of `texts` joined by the byte `sep` (the commit's events joined by "\n"). */
  joined(texts: readonly string[], sep: number): void {
    let guess = Math.max(0, texts.length - 1);
    for (let i = 0; i < texts.length; i++) guess += texts[i]!.length;
    this.begin(guess);
    for (let i = 0; i < texts.length; i++) {
      if (i > 0) this.appendByte(sep);
      this.append(texts[i]!);
    }
    this.end();
  }

  /**
   * Starts one argument built piece by piece (append, appendNumber, appendByte, then end), whose length
   * is probably `guess` bytes: its header is left room for that many digits, and end() moves the
   * payload when that was wrong.
   */
  begin(guess: number): void {
    this.guessDigits = digits(guess);
    this.room(this.guessDigits + 3);
    this.bulkAt = this.pos;
    this.payloadAt = this.pos + this.guessDigits + 3;
    this.pos = this.payloadAt;
  }

  /**
   * Appends a string to the open argument, as UTF-8 (at most 3 bytes per UTF-16 unit). Short ASCII
   * strings (keys, members, field names: most of a commit's arguments) are copied byte by byte, which
   * costs less than a call into Buffer.write for a few dozen bytes.
   */
  append(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const b = this.buf;
    const at = this.pos;
    if (n <= SHORT) {
      let i = 0;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at + i] = c;
        i += 1;
      }
      if (i === n) {
        this.pos = at + n;
        return;
      }
    }
    this.pos = at + b.write(s, at);
  }

  /** Appends a number to the open argument in decimal, as String(n) writes it. */
  appendNumber(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.append(String(n));
      return;
    }
    this.room(17);
    if (n < 0) {
      this.buf[this.pos++] = MINUS;
      n = -n;
    }
    this.pos = decimalAt(this.buf, n, this.pos);
  }

  /** Appends one byte (ASCII) to the open argument. */
  appendByte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /**
   * The body written since the last take or reset, copied out into a buffer of its own (with HEAD_ROOM
   * free bytes first), and the writer emptied for the next call.
   */
  take(): RespBody {
    const bytes = Buffer.allocUnsafe(this.pos);
    this.buf.copy(bytes, HEAD_ROOM, HEAD_ROOM, this.pos);
    const body = { bytes, argc: this.count };
    this.reset();
    return body;
  }

  /** Ends the open argument: its header, with the payload moved if its length has another digit count. */
  end(): void {
    const len = this.pos - this.payloadAt;
    const d = digits(len);
    if (d !== this.guessDigits) {
      this.room(Math.max(0, d - this.guessDigits));
      const to = this.bulkAt + d + 3;
      this.buf.copy(this.buf, to, this.payloadAt, this.pos);
      this.pos = to + len;
    }
    this.room(2);
    const b = this.buf;
    let p = this.bulkAt;
    b[p++] = DOLLAR;
    p = decimalAt(b, len, p);
    b[p] = CR;
    b[p + 1] = LF;
    b[this.pos] = CR;
    b[this.pos + 1] = LF;
    this.pos += 2;
    this.count += 1;
  }

  /** Makes room for `n` more bytes, growing the scratch buffer (the body so far is kept). */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

let shared: RespWriter | null = null;

/**
 * The process's writer, empty. Encoding is synchronous and a body is copied out by take(), so one
 * scratch buffer serves every call; a caller must take() (or reset()) before it yields.
 */
export function respWriter(): RespWriter {
  shared ??= new RespWriter();
  shared.reset();
  return shared;
}
