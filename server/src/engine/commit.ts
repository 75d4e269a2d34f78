/**
 * The Valkey side of the room's group commit: ownership claim and one atomic batch commit per call
 * (lua/commands/claim-1.lua, lua/commands/commit-n.lua; protocol in docs/commit.md).
 *
 * A batch is the events of one or more decided commands plus the key changes ("ops") that bring the
 * game's keys (seed key schema, docs/architecture.md "Key schema") to the room's state after
 * those commands. Ops are absolute writes, not increments: the room knows the state it wants, and an
 * absolute write cannot fail on the value it finds, so the script can check every op before it
 * writes anything.
 *
 * The op types and CommitError live in commit-ops.ts, the batch's encoding in batch-encoder.ts; this
 * module re-exports both, so callers import the commit from one place.
 */
import type { Redis } from "iovalkey";
import { BatchEncoder, type EncodedBatch } from "./batch-encoder.ts";
import { checkOps, toCommitError, type KeyOp } from "./commit-ops.ts";
import { callCommand, callEncoded } from "./commands.ts";
import { ownerKey } from "./keys.ts";

export * from "./commit-ops.ts";
export * from "./batch-encoder.ts";

/**
 * Commits one batch: checks that `epoch` still owns the game and that `lastSeq` is the last committed
 * seq, appends `events` (JSON text; event i gets seq lastSeq + i, which its JSON must already say) to
 * game:{g}:events as entries '<seq>-0' with field data, sets game:{g}:seq and applies `ops`, all or
 * nothing. Resolves the new last seq. Rejects with CommitError: FENCED, SEQ_MISMATCH, BAD_KEY, BAD_OP,
 * BAD_TYPE (nothing written), or UNAVAILABLE (connection error: the batch may or may not have landed;
 * reclaim and reload to know).
 */
export async function commitBatch(
  client: Redis,
  gameId: string,
  epoch: number,
  lastSeq: number,
  events: readonly string[],
  ops: readonly KeyOp[],
): Promise<number> {
  checkOps(gameId, ops);
  const batch = new BatchEncoder(gameId);
  batch.add(events, ops);
  return runBatch(client, batch, epoch, lastSeq);
}

/** Sends a batch (see commitBatch). */
export function runBatch(client: Redis, batch: BatchEncoder, epoch: number, lastSeq: number): Promise<number> {
  return runEncoded(client, batch.encode(epoch, lastSeq));
}

/** Sends an encoded batch (BatchEncoder.encode) to the commit script (see commitBatch). */
export async function runEncoded(client: Redis, batch: EncodedBatch): Promise<number> {
  try {
    return Number(await callEncoded(client, "commit", batch.body, batch.keys));
  } catch (err) {
    throw toCommitError(err);
  }
}

/**
 * Claims the game for a room: increments game:{g}:owner epoch (fencing every older owner's commits)
 * and records `node` (the claimant, 1-200 characters) and since (server time, ms). Resolves the new
 * epoch. Rejects with CommitError BAD_ARG, or UNAVAILABLE when Valkey cannot be reached.
 */
export async function claimGame(client: Redis, gameId: string, node: string): Promise<number> {
  try {
    return Number(await callCommand(client, "claim", [ownerKey(gameId), node]));
  } catch (err) {
    throw toCommitError(err);
  }
}
