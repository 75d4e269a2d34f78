/**
 * Loads the Lua commands of lua/commands/ (the game core's Valkey side: commit, claim, readOrders) and
 * runs them, BullMQ style: a file is named `<command>-<numKeys>.lua` and the loader reads the key count
 * from the name. `-n` means the count varies per call: the caller passes it as the first argument (sent
 * as EVALSHA's numkeys). `--@include <file>.lua` lines are replaced by that file of
 * lua/commands/includes/ (each once). A call goes as EVAL (the whole source) the first time on a
 * connection and as EVALSHA after that, and falls back to EVAL on NOSCRIPT, so a restarted or flushed
 * server just reloads the script.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { Command, type Redis } from "iovalkey";
import { HEAD_ROOM, respWriter, type RespBody } from "./resp.ts";

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

/** A command script with its SHA1 (what EVALSHA names it by). */
interface LoadedScript extends CommandScript {
  sha: string;
}

let byName: Map<string, LoadedScript> | null = null;

/** The command script `name` of lua/commands/; throws if there is none. */
function scriptNamed(name: string): LoadedScript {
  byName ??= new Map(
    loadCommandScripts().map((s) => [s.name, { ...s, sha: createHash("sha1").update(s.lua).digest("hex") }]),
  );
  const script = byName.get(name);
  if (!script) throw new Error(`no Lua command ${name} in lua/commands/`);
  return script;
}

/** Per connection (socket): the SHAs of the scripts sent on it in full once, so EVALSHA finds them. */
const loadedOn = new WeakMap<object, Set<string>>();

/** `$7\r\nevalsha\r\n$40\r\n<sha>\r\n` per script, the constant part of an EVALSHA call's header. */
const evalshaHeads = new Map<string, Buffer>();

/**
 * One script call, its arguments already encoded as RESP bulk strings (resp.ts). Like iovalkey's own
 * script commands it goes as EVAL (the whole source) the first time on a connection and as EVALSHA
 * after that; unlike them it skips iovalkey's generic argument handling (flattening the argument
 * array, converting each argument, building the RESP text piece by piece), which cost about as much
 * Node CPU as encoding the batch itself for a commit of a few hundred arguments (docs/commit.md
 * "Small batches"). The EVALSHA header is written into the body's free first bytes, so the call goes
 * to the socket as one buffer, built once. A cluster client routes the call by the slot of its first
 * key (getKeys, getSlot), as it does iovalkey's own script commands.
 */
class ScriptCall extends Command {
  /** The connection the call was last written to (a cluster client may redirect it to another). */
  private socket: object | null = null;

  constructor(
    private readonly script: LoadedScript,
    private readonly body: RespBody,
    /** The call's keys (after numkeys), for getKeys. */
    private readonly callKeys: readonly string[],
  ) {
    super("evalsha", [], { replyEncoding: "utf8" });
  }

  override getKeys(): string[] {
    return this.callKeys.slice();
  }

  override toWritable(socket: object): Buffer {
    this.socket = socket;
    let loaded = loadedOn.get(socket);
    if (!loaded) {
      loaded = new Set();
      loadedOn.set(socket, loaded);
    }
    const { sha, lua } = this.script;
    const count = `*${this.body.argc + 2}\r\n`;
    const bytes = this.body.bytes;
    if (loaded.has(sha)) {
      this.name = "evalsha";
      let rest = evalshaHeads.get(sha);
      if (!rest) {
        rest = Buffer.from(`$7\r\nevalsha\r\n$40\r\n${sha}\r\n`);
        evalshaHeads.set(sha, rest);
      }
      const at = HEAD_ROOM - rest.length - count.length;
      bytes.write(count, at, "latin1");
      rest.copy(bytes, at + count.length);
      return bytes.subarray(at);
    }
    loaded.add(sha);
    this.name = "eval";
    const head = `${count}$4\r\neval\r\n$${Buffer.byteLength(lua)}\r\n${lua}\r\n`;
    return Buffer.concat([Buffer.from(head), bytes.subarray(HEAD_ROOM)]);
  }

  /** The server behind the connection lost the script (NOSCRIPT): the next call there sends the source. */
  forgetScript(): void {
    if (this.socket) loadedOn.get(this.socket)?.delete(this.script.sha);
  }
}

/**
 * Runs command `name` of lua/commands/ on the client: args are KEYS then ARGV, preceded by the key
 * count for an `-n` command (for a fixed count the file name gives it). Resolves the script's reply
 * (bulk strings as utf8 text); rejects with the Valkey error (the script's own error replies carry their
 * code first). A server that lost the script (restart, SCRIPT FLUSH: NOSCRIPT) gets it again in full.
 */
export function callCommand(client: Redis, name: string, args: readonly (string | number)[]): Promise<unknown> {
  const script = scriptNamed(name);
  const all = script.numberOfKeys === null ? args : [script.numberOfKeys, ...args];
  const w = respWriter();
  for (const a of all) {
    if (typeof a === "number" && Number.isSafeInteger(a)) w.int(a);
    else w.bulk(String(a));
  }
  const keys = all.slice(1, 1 + Number(all[0])).map(String);
  return callEncoded(client, name, w.take(), keys);
}

/**
 * Runs command `name` with arguments already encoded (resp.ts: numkeys for an `-n` command, KEYS,
 * ARGV, as for callCommand); `keys` are the call's keys (a cluster client routes by the first).
 * Resolves and rejects as callCommand does.
 */
export function callEncoded(client: Redis, name: string, body: RespBody, keys: readonly string[]): Promise<unknown> {
  const script = scriptNamed(name);
  const call = new ScriptCall(script, body, keys);
  return (client.sendCommand(call) as Promise<unknown>).catch((err: unknown) => {
    if (!(err instanceof Error) || !err.message.includes("NOSCRIPT")) throw err;
    call.forgetScript();
    return client.sendCommand(new ScriptCall(script, body, keys)) as Promise<unknown>;
  });
}
