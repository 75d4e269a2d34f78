/**
 * Loads the engine's Lua commands from lua/ and registers them on a Valkey client.
 * Each lua/<name>.lua is one command; `--@include lib/<file>.lua` lines are replaced by that helper's
 * text (each helper once), as BullMQ does with its includes. iovalkey's defineCommand sends EVALSHA
 * and falls back to EVAL on NOSCRIPT, so a restarted or flushed server just reloads the script.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Redis } from "iovalkey";

export const LUA_DIR = fileURLToPath(new URL("../../../lua/", import.meta.url));

/** The commands and how many KEYS each declares (the rest of its arguments are ARGV). */
export const COMMANDS = {
  create_game: 3,
  add_security: 5,
  add_player: 5,
  set_phase: 3,
  place: 11,
  cancel: 9,
  cancel_all: 5,
  amend: 10,
  book: 5,
  orders: 2,
  inventory: 2,
  game_info: 4,
  log_admin: 3,
  announce: 5,
  signal: 6,
} as const;
export type CommandName = keyof typeof COMMANDS;

/** A command's source with its includes expanded. Throws if an include is missing. */
export function loadScript(name: string): string {
  const seen = new Set<string>();
  const expand = (text: string): string =>
    text.replace(/^--@include (\S+)\s*$/gm, (_line, file: string) => {
      if (seen.has(file)) return "";
      seen.add(file);
      return `-- >>> ${file}\n${expand(readFileSync(LUA_DIR + file, "utf8"))}\n-- <<< ${file}`;
    });
  return expand(readFileSync(`${LUA_DIR}${name}.lua`, "utf8"));
}

/** Registers every command on the client as `mr_<name>(...keys, ...argv): Promise<string>`. */
export function defineCommands(client: Redis): void {
  for (const [name, numberOfKeys] of Object.entries(COMMANDS)) {
    if (typeof (client as unknown as Record<string, unknown>)[`mr_${name}`] === "function") continue;
    client.defineCommand(`mr_${name}`, { numberOfKeys, lua: loadScript(name) });
  }
}
