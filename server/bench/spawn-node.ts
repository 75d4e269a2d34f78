/**
 * Starting the benchmarks' child processes (bench:api, bench:e2e): `node [flags] --import tsx <file>
 * ...args` in the repository's root, each stdout line handed to a callback, stderr shared with ours.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Spawns `node [flags] --import tsx <file> ...args` (file relative to the repository's root or
 * absolute) with `env`; stdout lines go to `onLine`, stderr to ours; stdin is a pipe.
 */
export function node(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  flags: readonly string[] = [],
): ChildProcess {
  const child = spawn(process.execPath, [...flags, "--import", "tsx", file, ...args], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  createInterface({ input: child.stdout! }).on("line", onLine);
  return child;
}
