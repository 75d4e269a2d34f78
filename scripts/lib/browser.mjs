// Browser client support for `npm start` / `npm test`. Plain Node ESM, no npm dependencies at import.
//   ensureChromium()     Debian's Chromium at /usr/bin/chromium for the browser tests: installed with
//                        apt-get when missing and we are root with apt; otherwise a clear error.
//   ensureClientBuild()  runs `vite build` in client/ when client/dist is missing or older than its sources.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './deps.mjs';

export const CHROMIUM = '/usr/bin/chromium';

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs a command with its output on our stderr; resolves with the exit code. */
function run(cmd, args, opts = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 2, 2], ...opts });
    child.on('error', (err) => { log(`${cmd}: ${err.message}`); done(127); });
    child.on('exit', (code) => done(code ?? 1));
  });
}

function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)));
}

/** Resolves with the Chromium path; installs Debian's package as root when it is missing; throws otherwise. */
export async function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !onPath('apt-get')) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium. Install it with \`sudo apt-get install -y chromium\` (or run as root on Debian/Ubuntu and npm test installs it).`);
  }
  log('[browser] installing chromium with apt-get (browser tests)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['update'], { env })) !== 0) throw new Error('apt-get update failed');
  if ((await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env })) !== 0) throw new Error('apt-get install chromium failed');
  if (!existsSync(CHROMIUM)) throw new Error(`chromium installed but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

const CLIENT = join(ROOT, 'client');
const DIST_INDEX = join(CLIENT, 'dist', 'index.html');

/** Newest mtime under a file or directory (0 when absent). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

/** Why the client needs building, or null when client/dist is up to date. */
export function clientBuildReason() {
  if (!existsSync(DIST_INDEX)) return 'client/dist is missing';
  const built = statSync(DIST_INDEX).mtimeMs;
  const sources = [join(CLIENT, 'src'), join(CLIENT, 'index.html'), join(CLIENT, 'vite.config.ts'), join(CLIENT, 'package.json'), join(ROOT, 'shared', 'src', 'units.ts')];
  return sources.some((p) => newest(p) > built) ? 'client sources changed since the last build' : null;
}

/** Builds the client with Vite when needed; throws when the build fails. */
export async function ensureClientBuild() {
  const reason = clientBuildReason();
  if (!reason) return false;
  log(`[client] ${reason}: vite build`);
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const code = await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: CLIENT });
  if (code !== 0) throw new Error(`vite build failed (exit ${code})`);
  return true;
}
