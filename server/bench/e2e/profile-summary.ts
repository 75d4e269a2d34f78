/**
 * Self time of a V8 CPU profile by function and by file, optionally within one window and per command:
 *
 *   node --import tsx server/bench/e2e/profile-summary.ts <file.cpuprofile> [fromUs toUs] [commands]
 *
 * fromUs / toUs: the monotonic clock of the `[mark]` lines `E2E_PROFILE=<dir> npm run bench:e2e` prints
 * (V8 times its samples with the same clock), e.g. the step-start and step marks of one rate; commands:
 * how many were acknowledged in that window, to print µs per command. Prints the top 40 functions
 * (name, file:line) and the top 25 files (node_modules packages as one line) by self time, and the
 * share of idle, GC and program time. A reading aid for profiles, not part of the measurement.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, fromArg, toArg, commandsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: profile-summary.ts <file.cpuprofile> [fromUs toUs] [commands]\n");
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
const from = fromArg ? Number(fromArg) : -Infinity;
const to = toArg ? Number(toArg) : Infinity;
const commands = commandsArg ? Number(commandsArg) : 0;

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const shortUrl = (url: string) => {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.search(/(server|shared)\/src\//);
  return src >= 0 ? url.slice(src) : url.replace(/^file:\/\//, "") || "(native)";
};

const keyOf = (n: Node) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || "(anonymous)"}  ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`;
};
const fnSelf = new Map<string, number>();
const fnTotal = new Map<string, number>();
const fileSelf = new Map<string, number>();
let total = 0;
let t = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i]!;
  if (t < from || t > to) continue;
  const dt = prof.timeDeltas[i + 1] ?? 0;
  const n = byId.get(prof.samples[i]!)!;
  const { functionName, url } = n.callFrame;
  const f = shortUrl(url);
  const key = keyOf(n);
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const k = keyOf(byId.get(id)!);
    if (seen.has(k)) continue;
    seen.add(k);
    fnTotal.set(k, (fnTotal.get(k) ?? 0) + dt);
  }
  const fk = url ? f : functionName;
  fileSelf.set(fk, (fileSelf.get(fk) ?? 0) + dt);
  total += dt;
}

const idle = fileSelf.get("(idle)") ?? 0;
const busy = total - idle;
const show = (us: number) =>
  `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)}%` +
  (commands ? ` ${(us / commands).toFixed(1).padStart(7)} us/cmd` : "");
const top = (m: Map<string, number>, n: number) =>
  [...m]
    .filter(([k]) => !k.startsWith("(idle)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

process.stdout.write(
  `window ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1000).toFixed(0)} ms (${((100 * busy) / Math.max(1, total)).toFixed(0)}%)` +
    (commands ? `, ${(busy / commands).toFixed(1)} us per command over ${commands}` : "") +
    "; percentages of busy time\n\nby function (self):\n",
);
for (const [k, us] of top(fnSelf, 40)) process.stdout.write(`${show(us)}  ${k}\n`);
process.stdout.write("\nby function (inclusive, program code):\n");
const ours = new Map([...fnTotal].filter(([k]) => /(server|shared)\/src\//.test(k)));
for (const [k, us] of top(ours, 40)) process.stdout.write(`${show(us)}  ${k}\n`);
process.stdout.write("\nby file or package (self):\n");
for (const [k, us] of top(fileSelf, 25)) process.stdout.write(`${show(us)}  ${k}\n`);
