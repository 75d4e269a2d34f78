/**
 * The key changes ("ops") of a group-commit batch and the commit's errors: the KeyOp shapes, the
 * checks a batch's ops must pass before they are sent (the same the commit script makes, so a bad op
 * fails in the room, not in Valkey), and CommitError with its stable codes. docs/commit.md "Protocol".
 */
import { eventsKey, gamePrefix, ownerKey, seqKey } from "./keys.ts";

/**
 * One key change. The key is a full key name of the game (`game:{g}` or `game:{g}:...`).
 * - `["HSET", key, field, value, ...]`  set hash fields
 * - `["HDEL", key, field, ...]`         delete hash fields
 * - `["ZADD", key, score, member, ...]` add or re-score members; scores are integers
 * - `["ZREM", key, member, ...]`        remove members
 * - `["SADD", key, member, ...]`        add set members
 * - `["SREM", key, member, ...]`        remove set members
 * - `["SET", key, value]`               set a string (any previous type is replaced)
 * - `["DEL", key]`                      delete the key
 * Values are strings or integers (numbers must be safe integers). Within one batch, the non-DEL ops
 * on a key are of one type (hash, zset, set or string), and an existing hash, zset or set key keeps its type.
 */
export type KeyOp =
  | readonly ["HSET", string, ...(string | number)[]]
  | readonly ["HDEL", string, ...(string | number)[]]
  | readonly ["ZADD", string, ...(string | number)[]]
  | readonly ["ZREM", string, ...(string | number)[]]
  | readonly ["SADD", string, ...(string | number)[]]
  | readonly ["SREM", string, ...(string | number)[]]
  | readonly ["SET", string, string | number]
  | readonly ["DEL", string];

/** Error codes of a commit: the script's refusals, plus UNAVAILABLE (Valkey down or timed out). */
export type CommitErrorCode = "FENCED" | "SEQ_MISMATCH" | "BAD_KEY" | "BAD_OP" | "BAD_TYPE" | "BAD_ARG" | "UNAVAILABLE";

/** A refused or failed commit. `code` is stable; the message says why. */
export class CommitError extends Error {
  constructor(
    readonly code: CommitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = "CommitError";
  }
}

const SCRIPT_CODES = new Set<CommitErrorCode>(["FENCED", "SEQ_MISMATCH", "BAD_KEY", "BAD_OP", "BAD_TYPE", "BAD_ARG"]);

/** Maps a Valkey error to a CommitError: the script's own codes as they are, anything else UNAVAILABLE. */
export function toCommitError(err: unknown): CommitError {
  if (err instanceof CommitError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = message.split(" ", 1)[0] as CommitErrorCode;
  if (SCRIPT_CODES.has(code)) return new CommitError(code, message.slice(code.length + 1), { cause: err });
  return new CommitError("UNAVAILABLE", message, { cause: err });
}

const OP_ARGS: Record<KeyOp[0], { min: number; max: number; pairs: boolean }> = {
  HSET: { min: 2, max: 1024, pairs: true },
  HDEL: { min: 1, max: 1024, pairs: false },
  ZADD: { min: 2, max: 1024, pairs: true },
  ZREM: { min: 1, max: 1024, pairs: false },
  SADD: { min: 1, max: 1024, pairs: false },
  SREM: { min: 1, max: 1024, pairs: false },
  SET: { min: 1, max: 1, pairs: false },
  DEL: { min: 0, max: 0, pairs: false },
};

/**
 * Checks ops as the script will (op name, argument count, integer ZADD scores, the game's key
 * prefix), so a bad op is refused with its own command instead of failing a whole batch.
 * Throws CommitError BAD_KEY / BAD_OP.
 */
export function checkOps(gameId: string, ops: readonly KeyOp[]): void {
  const prefix = gamePrefix(gameId);
  const head = `${prefix}:`;
  const fixed = new Set([ownerKey(gameId), seqKey(gameId), eventsKey(gameId)]);
  for (const op of ops) {
    const shape = OP_ARGS[op[0]];
    if (!shape) throw new CommitError("BAD_OP", `unknown op ${String(op[0])}`);
    const key = op[1];
    if (typeof key !== "string" || (key !== prefix && !key.startsWith(head)) || fixed.has(key)) {
      throw new CommitError("BAD_KEY", `${String(key)} is not a key of ${prefix} that a commit may change`);
    }
    const argc = op.length - 2;
    if (argc < shape.min || argc > shape.max || (shape.pairs && argc % 2 === 1)) {
      throw new CommitError("BAD_OP", `${op[0]} ${key} has ${argc} arguments`);
    }
    for (let j = 2; j < op.length; j++) {
      const v = op[j];
      const isScore = op[0] === "ZADD" && j % 2 === 0;
      if (
        typeof v === "number" ? !Number.isSafeInteger(v) : typeof v !== "string" || (isScore && !/^-?\d{1,16}$/.test(v))
      ) {
        throw new CommitError(
          "BAD_OP",
          `${op[0]} ${key}: argument ${String(v)} is not ${isScore ? "an integer score" : "a string or safe integer"}`,
        );
      }
    }
  }
}
