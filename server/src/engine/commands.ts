/**
 * Loads the Lua commands of lua/commands/ (the game core's Valkey side: commit, claim) and registers
 * them on a Valkey client, BullMQ style: a file is named `<command>-<numKeys>.lua` and the loader reads
 * the key count from the name. `-n` means the count varies per call: the caller passes it as the first
 * argument (iovalkey then sends it as EVALSHA's numkeys). `--@include <file>.lua` lines are replaced by
 * that file of lua/commands/includes/ (each once). iovalkey sends EVALSHA and falls back to EVAL on
 * NOSCRIPT, so a restarted or flushed server just reloads the script.
 *
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Redis } from "iovalkey";

export const COMMANDS_DIR = fileURLToPath(new URL("../../../lua/commands/", import.meta.url));

/** One command file: its name, its key count (null = given per call) and its source, includes expanded. */
export interface CommandScript {
  name: string;
  numberOfKeys: number | null;
  lua: string;
}

/** Parses `<name>-<numKeys>.lua` (numKeys digits or `n`); null for other file names. */
export function parseCommandFile(file: string): { name: string; numberOfKeys: number | null } | null {
  const m = /^([A-Za-z][A-Za-z0-9_]*)-(\d+|n)\.lua$/.exec(file);
  if (!m) return null;
  return { name: m[1]!, numberOfKeys: m[2] === "n" ? null : Number(m[2]) };
}

/** A script's text with `--@include` lines expanded (each include once). Throws if an include is missing. */
function expandIncludes(text: string, seen = new Set<string>()): string {
  return text.replace(/^--@include (\S+)\s*$/gm, (_line, file: string) => {
    if (seen.has(file)) return "";
    seen.add(file);
    return expandIncludes(readFileSync(`${COMMANDS_DIR}includes/${file}`, "utf8"), seen);
  });
}

let cached: CommandScript[] | null = null;

/** Every command of lua/commands/, read once per process. */
export function loadCommandScripts(): CommandScript[] {
  cached ??= readdirSync(COMMANDS_DIR).flatMap((file) => {
    const parsed = parseCommandFile(file);
    return parsed ? [{ ...parsed, lua: expandIncludes(readFileSync(COMMANDS_DIR + file, "utf8")) }] : [];
  });
  return cached;
}

/** The registered name of command `name` on a client: `mrc_<name>`. */
export const commandMethod = (name: string) => `mrc_${name}`;

/**
 * Registers every command on the client as `mrc_<name>(...keys, ...argv)`, or for an `-n` command
 * `mrc_<name>(numKeys, ...keys, ...argv)`. Idempotent per client.
 */
export function defineCoreCommands(client: Redis): void {
  for (const { name, numberOfKeys, lua } of loadCommandScripts()) {
    const method = commandMethod(name);
    if (typeof (client as unknown as Record<string, unknown>)[method] === "function") continue;
    client.defineCommand(method, numberOfKeys === null ? { lua } : { numberOfKeys, lua });
  }
}

type Call = (...args: (string | number)[]) => Promise<unknown>;

/** Runs command `name` (registering the commands first if needed); args as defineCoreCommands says. */
export function callCommand(client: Redis, name: string, args: (string | number)[]): Promise<unknown> {
  defineCoreCommands(client);
  const fn = (client as unknown as Record<string, Call>)[commandMethod(name)];
  if (!fn) throw new Error(`no Lua command ${name} in lua/commands/`);
  return fn.apply(client, args);
}
