// OS packages the scripts need (Valkey, PostgreSQL, Chromium), installed with apt-get only when they are
// missing and we run as root on a system with apt; otherwise a clear error names the package. Before
// anything is installed, one line says what will be installed and why. Plain Node ESM.
import { isRoot, runLoud, which } from "./util.mjs";

/**
 * @typedef {object} PackageNeed
 * @property {string} what      what the package provides ("PostgreSQL")
 * @property {string} pkg       the Debian package name
 * @property {string} why       why the scripts need it (printed before installing)
 * @property {() => boolean} present  true when it is already there
 * @property {string} [variable]  the environment variable that points at an existing server instead
 * @property {boolean} [noRecommends]  install with --no-install-recommends
 */

let aptQueue = Promise.resolve();
let aptUpdated = false;

/** The error for a missing package that we may not or cannot install. */
function missingError(needs) {
  const names = needs.map((n) => n.pkg).join(" ");
  const alternatives = needs.filter((n) => n.variable).map((n) => `point ${n.variable} at a running server`);
  return new Error(
    `${needs.map((n) => n.what).join(" and ")} ${needs.length > 1 ? "are" : "is"} not installed. ` +
      `Install ${needs.length > 1 ? "the packages" : "the package"} ${names} (e.g. sudo apt-get install -y ${names})` +
      `${alternatives.length ? `, or ${alternatives.join(", or ")}` : ""}.`,
  );
}

/**
 * Installs the needs that are not present, all in one apt-get run (apt-get update once per process
 * first); calls are serialised. Prints one line first: the packages and why each is needed. Throws
 * (naming the packages) when not root or without apt-get, or when apt-get fails.
 * @param {PackageNeed[]} needs
 * @param {(line: string) => void} say
 */
export function installMissing(needs, say) {
  const job = aptQueue.then(async () => {
    const missing = needs.filter((n) => !n.present());
    if (!missing.length) return;
    if (!isRoot() || !which("apt-get")) throw missingError(missing);
    say(
      `installing OS packages with apt-get (apt-get update, then apt-get install -y): ${missing.map((n) => `${n.pkg} (${n.why})`).join("; ")}`,
    );
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    if (!aptUpdated) {
      await runLoud("apt-get", ["update"], env);
      aptUpdated = true;
    }
    const plain = missing.filter((n) => !n.noRecommends).map((n) => n.pkg);
    const lean = missing.filter((n) => n.noRecommends).map((n) => n.pkg);
    if (plain.length) await runLoud("apt-get", ["install", "-y", ...plain], env);
    if (lean.length) await runLoud("apt-get", ["install", "-y", "--no-install-recommends", ...lean], env);
    const still = missing.filter((n) => !n.present());
    if (still.length)
      throw new Error(
        `${still.map((n) => n.what).join(" and ")} still not found after installing ${still.map((n) => n.pkg).join(" ")}`,
      );
  });
  aptQueue = job.catch(() => {});
  return job;
}

/**
 * Returns find() when it yields something, else throws the error naming the package (installMissing
 * runs before the services start, so a missing one here was not installable).
 * @param {PackageNeed} need
 */
export function findOrFail(need, find) {
  const found = find();
  if (!found) throw missingError([need]);
  return found;
}
