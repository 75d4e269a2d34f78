#!/usr/bin/env node
// Summarises a V8 CPU profile (.cpuprofile, e.g. from `API_PROFILE=<dir> npm run bench:api`): where the
// process's busy samples went, by function (self), by file (self) and by part of the server (the nearest
// frame up the stack in a known file). Plain Node ESM, no dependencies.
//
//   node server/bench/cpuprofile-summary.mjs <file.cpuprofile> [--last <s>] [--top <n>]
//
// --last <s>: only the profile's last s seconds (the load window; the start is module loading).
// Samples are COUNTED, not weighted by their time delta: on a busy machine a process that is preempted
// gets one late sample carrying the whole wait, which time-weighting would charge to whatever ran last
// (mostly socket writes, which wake the receiving process). "[write]" marks samples in a socket write.
import { readFileSync } from "node:fs";
import process from "node:process";

const log = (line) => process.stdout.write(`${line}\n`);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const file = args.find((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
if (!file) {
  process.stderr.write("usage: cpuprofile-summary.mjs <file.cpuprofile> [--last <s>] [--top <n>]\n");
  process.exit(2);
}
const LAST_S = opt("--last", 0);
const TOP = opt("--top", 25);

/** Parts of the server, by the file of the nearest frame that names one (first match wins). */
const PARTS = [
  [/http\/api\/stream-fanout|node_modules\/ws\//, "stream fan-out (frames to sockets)"],
  [/http\/api\/stream/, "stream (book diffs, messages in)"],
  [/engine\/(group-commit|commit|key-ops|keys|key-op-producer)/, "commit (encode, group commit)"],
  [/server\/src\/core\//, "core (decide, evolve)"],
  [/engine\/(writers|game-writer)|game\/hub/, "writer, hub"],
  [/http\/api\/|http\/request|rounds\/trading-channels|game\/errors/, "REST route (lane, auth, usage, reply)"],
  [/node_modules\/zod/, "zod"],
  [/node_modules\/rate-limiter-flexible/, "rate limiter"],
  [/node_modules\/prom-client/, "prom-client"],
  [/node_modules\/(iovalkey|redis-parser)/, "Valkey client"],
  [/node_modules\/(pg|kysely|pg-[a-z]+)\//, "PostgreSQL client"],
  [/node:_http|_http_/, "node http"],
];
const WRITES = new Set(["writev", "writeUtf8String", "writeBuffer", "writeLatin1String"]);

const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (url) => (url || "(native)").replace(/^file:\/\/.*?\/(node_modules|server\/src|shared\/src)\//, "$1/");

const self = new Map();
const files = new Map();
const parts = new Map();
const add = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
let busy = 0;
let t = p.startTime;
const from = LAST_S ? p.endTime - LAST_S * 1e6 : -Infinity;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i] ?? 0;
  if (t < from) continue;
  const leaf = byId.get(p.samples[i]).callFrame;
  if (leaf.functionName === "(idle)") continue;
  busy++;
  const write = !leaf.url && WRITES.has(leaf.functionName) ? " [write]" : "";
  add(self, `${leaf.functionName || "(anonymous)"} ${short(leaf.url)}:${leaf.lineNumber + 1}`);
  add(files, short(leaf.url));
  let part = ["(garbage collector)", "(program)"].includes(leaf.functionName) ? leaf.functionName : null;
  for (let id = p.samples[i]; !part && id !== undefined; id = parent.get(id)) {
    const url = byId.get(id).callFrame.url;
    part = PARTS.find(([re]) => re.test(url))?.[1] ?? null;
  }
  add(parts, (part ?? "other (node internals, timers, promises)") + write);
}

const show = (title, m, n) => {
  log(`\n== ${title}`);
  for (const [k, c] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    log(`${((100 * c) / busy).toFixed(1).padStart(5)}% ${String(c).padStart(6)}  ${k}`);
};
log(`${file}: ${busy} busy samples${LAST_S ? ` in the last ${LAST_S} s` : ""}`);
show("by part of the server (nearest known frame)", parts, 40);
show("self, by function", self, TOP);
show("self, by file", files, TOP);
