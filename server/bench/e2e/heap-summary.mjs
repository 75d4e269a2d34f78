#!/usr/bin/env node
// Bytes allocated per command by file and by function, from a sampling heap profile that includes
// collected objects (`ROOM_TICK_HEAP=<file> node --import tsx server/bench/e2e/room-tick.ts`):
//
//   node server/bench/e2e/heap-summary.mjs <file> <commands>
//
// A reading aid: sampled (every 4 KiB on average), so figures below ~50 B per command are noise.
import { readFileSync } from "node:fs";
import process from "node:process";

const [file, commandsArg] = process.argv.slice(2);
if (!file || !commandsArg) {
  process.stderr.write("usage: heap-summary.mjs <file> <commands>\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const n = Number(commandsArg);
const bySample = new Map((profile.samples ?? []).map((s) => [s.nodeId, 0]));
for (const s of profile.samples ?? []) bySample.set(s.nodeId, bySample.get(s.nodeId) + s.size);
const byFn = new Map();
const byFile = new Map();
let total = 0;
const walk = (node) => {
  const f = node.callFrame;
  const url = f.url.slice(f.url.lastIndexOf("/") + 1) || "(native)";
  const bytes = bySample.get(node.id) ?? node.selfSize;
  const fn = `${f.functionName || "(anonymous)"}  ${url}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + bytes);
  byFile.set(url, (byFile.get(url) ?? 0) + bytes);
  total += bytes;
  for (const c of node.children) walk(c);
};
walk(profile.head);
const line = (bytes, what) => `${(bytes / n).toFixed(0).padStart(8)} B/cmd  ${what}`;
process.stdout.write(`${line(total, "in all")}\n\nby file:\n`);
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${line(v, k)}\n`);
process.stdout.write("\nby function:\n");
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${line(v, k)}\n`);
