#!/usr/bin/env node
// `npm run lint:layers`: fails when two folders of server/src import each other (a loop between layers,
// which madge's file-level cycle check does not see). Files at the top of server/src (the entry points
// app.ts and main.ts, and the small shared modules config, metrics, limits, dependency) are not a layer
// and are left out. Reads relative `from "..."` imports, type imports included. Plain Node, no dependencies.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "server", "src");

/** Every .ts file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The layer (first folder under server/src) of a path, or null for a top-level file. */
function layer(path) {
  const parts = relative(ROOT, path).split(sep);
  return parts.length > 1 ? parts[0] : null;
}

/** "a -> b" => an example import, for every import from one layer into another. */
const edges = new Map();
for (const file of files(ROOT)) {
  for (const m of readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
    const from = layer(file);
    const to = layer(normalize(join(dirname(file), m[1])));
    if (from && to && from !== to && !edges.has(`${from} -> ${to}`))
      edges.set(`${from} -> ${to}`, `${relative(ROOT, file)} imports ${m[1]}`);
  }
}

const loops = [...edges.keys()]
  .map((e) => e.split(" -> "))
  .filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`))
  .map(([a, b]) => `${a} <-> ${b}: ${edges.get(`${a} -> ${b}`)}; ${edges.get(`${b} -> ${a}`)}`);
if (loops.length) {
  console.error(`layers: folders of server/src that import each other:\n  ${loops.join("\n  ")}`);
  process.exit(1);
}
console.log(`layers: ${edges.size} imports between folders of server/src, no two folders import each other`);
