/**
 * The server's two secrets, kept out of Valkey (docs/api.md, "Authentication"):
 *
 * - the admin token: ADMIN_TOKEN, else the file ADMIN_TOKEN_FILE (default .data/admin-token), which holds
 *   only the token's SHA-256 (`sha256:<hex>`): a generated token is shown once, when it is made;
 * - the signing secret of player tokens: TOKEN_SECRET, else the file TOKEN_SECRET_FILE (default
 *   .data/token-secret).
 *
 * A missing file is generated on first use (32 random bytes, base64url) with mode 0600 in a 0700 folder;
 * creation is atomic (write a temp file, then link it into place), so two processes starting at once end
 * up with the same secret. A file readable by group or others is refused. Every server process of one
 * deployment must see the same values (same environment or the same files).
 *
 * The admin token is held as its SHA-256 and compared in constant time (AdminToken).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Smallest accepted secret, in characters (HS256 wants a key of at least 256 bits). */
export const MIN_SECRET_CHARS = 32;

/** A secret as loaded: its value and whether this call created the file. */
export interface LoadedSecret {
  value: string;
  created: boolean;
  path: string | null;
}

/** A fresh random secret: 32 bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The secret from `fromEnv` when set, else from `file` (created when missing). Throws a clear Error when the
 * value is shorter than MIN_SECRET_CHARS or the file's mode lets group or others read it. A file created
 * here holds `initial` when given (an older version's admin token, moved out of Valkey), else a random secret.
 */
export function loadSecret(name: string, fromEnv: string | undefined, file: string, initial?: string): LoadedSecret {
  if (fromEnv !== undefined) return { value: checked(name, fromEnv), created: false, path: null };
  const path = resolve(file);
  const created = createIfMissing(path, initial ?? randomSecret());
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    throw new Error(
      `${path} (${name}) has mode ${mode.toString(8)}: it must be readable by its owner only (chmod 600 ${path})`,
    );
  return { value: checked(name, readFileSync(path, "utf8").trim()), created, path };
}

function checked(name: string, value: string): string {
  if (value.length < MIN_SECRET_CHARS) throw new Error(`${name} must be at least ${MIN_SECRET_CHARS} characters`);
  return value;
}

/** Creates `path` holding `value` unless it exists; true when this call created it. */
function createIfMissing(path: string, value: string): boolean {
  try {
    statSync(path);
    return false;
  } catch {
    // missing: create below
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${value}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false; // another process won the race
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** SHA-256 of a string, as bytes. */
function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The admin token, held as its SHA-256 only; `matches` compares in constant time. */
export class AdminToken {
  private readonly hash: Buffer;

  constructor(token: string) {
    this.hash = sha256(token);
  }

  /** From a stored `sha256:<64 hex>` line; throws on anything else. */
  static fromStored(line: string): AdminToken {
    const m = /^sha256:([0-9a-f]{64})$/.exec(line);
    if (!m) throw new Error("the admin token file must hold sha256:<64 hex digits>");
    const t = Object.create(AdminToken.prototype) as AdminToken;
    (t as unknown as { hash: Buffer }).hash = Buffer.from(m[1]!, "hex");
    return t;
  }

  /** The line stored in the admin token file for `token`. */
  static stored(token: string): string {
    return `sha256:${sha256(token).toString("hex")}`;
  }

  /** True when `candidate` is the admin token. */
  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.hash);
  }
}

/** The admin token as loaded: its hash, the plain token when this process knows it, and where it came from. */
export interface LoadedAdminToken {
  token: AdminToken;
  plain: string | null;
  created: boolean;
  path: string | null;
}

/**
 * The admin token from `fromEnv` when set (plain known), else from `file`, which holds only its SHA-256. A
 * missing file is created (mode 0600, 0700 folder) for `initial` (an older version's token) or a new random
 * token; only then is the plain token known (`plain`), to be shown once. A file from before hashing (a plain
 * token) is replaced by its hash. Throws like loadSecret on a short token or a file others may read.
 */
export function loadAdminToken(fromEnv: string | undefined, file: string, initial?: string): LoadedAdminToken {
  if (fromEnv !== undefined)
    return { token: new AdminToken(checked("ADMIN_TOKEN", fromEnv)), plain: fromEnv, created: false, path: null };
  const path = resolve(file);
  const fresh = checked("ADMIN_TOKEN", initial ?? randomSecret());
  const created = createIfMissing(path, AdminToken.stored(fresh));
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    throw new Error(
      `${path} (ADMIN_TOKEN) has mode ${mode.toString(8)}: it must be readable by its owner only (chmod 600 ${path})`,
    );
  const line = readFileSync(path, "utf8").trim();
  if (!line.startsWith("sha256:")) replaceFile(path, AdminToken.stored(checked("ADMIN_TOKEN", line)));
  const stored = line.startsWith("sha256:") ? line : AdminToken.stored(line);
  return { token: AdminToken.fromStored(stored), plain: created ? fresh : null, created, path };
}

/** Atomically replaces `path` with `value` (mode 0600). */
function replaceFile(path: string, value: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${value}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
