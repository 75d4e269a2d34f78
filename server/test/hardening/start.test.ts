/**
 * Start-up with a busy port (issue 11, item 4; README "Ports"). The server entry (main.ts) with a busy
 * explicit port (PORT or --port) exits 1 within seconds with one JSON line on stderr saying so; with the
 * default port busy it listens on the next free one and says so. `node scripts/start.mjs` with a busy
 * PORT starts its own Valkey and PostgreSQL (VALKEY_URL / DATABASE_URL unset), then exits 1 within
 * seconds of the server's failure, and neither service is left running; stopped by SIGINT it exits 130
 * (not 0) and stops them too.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { freePort, spawnNode, stopServer } from "../support/server-process.ts";
import { waitFor } from "../support/harness.ts";

const DEFAULT_PORT = 2567;

/** Holds `port` on 127.0.0.1; resolves null when something else holds it already. */
function occupy(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(null));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

function release(s: Server | null): Promise<void> {
  return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** Live (not zombie) processes whose command line contains every one of `parts`. */
function processesWith(...parts: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (parts.every((p) => cmd.includes(p))) found.push(`${pid}: ${cmd}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Ports of the services start.mjs reported ready ("[services] valkey ready: VALKEY_URL=redis://127.0.0.1:P"). */
function servicePorts(stderr: string): { valkey: number; postgres: number } {
  const valkey = Number(/valkey ready: VALKEY_URL=redis:\/\/(?:\S+@)?127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
  const postgres = Number(/postgres ready: DATABASE_URL=postgres:\/\/\S+@127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1]);
  return { valkey, postgres };
}

async function expectServicesGone(ports: { valkey: number; postgres: number }): Promise<void> {
  expect(await listening(ports.valkey), "valkey still listening").to.equal(false);
  expect(await listening(ports.postgres), "postgres still listening").to.equal(false);
  expect(
    processesWith("redis-server", `:${ports.valkey}`).concat(processesWith("valkey-server", `:${ports.valkey}`)),
  ).to.deep.equal([]);
  expect(processesWith("--port", String(ports.valkey))).to.deep.equal([]);
  expect(processesWith("postgres", "-p", String(ports.postgres))).to.deep.equal([]);
}

describe("hardening: start-up with a busy port", function () {
  this.timeout(240_000);

  for (const how of ["PORT", "--port"] as const) {
    it(`main.ts with a busy port given by ${how} exits 1 within seconds with one JSON line`, async () => {
      const port = await freePort();
      const holder = await occupy(port);
      try {
        const started = Date.now();
        const p = spawnNode(
          "server/src/main.ts",
          how === "--port" ? ["--port", String(port)] : [],
          how === "PORT" ? { PORT: String(port) } : { PORT: undefined },
        );
        const code = await p.exited;
        expect(Date.now() - started, "exit within 30 s").to.be.below(30_000);
        expect(code, p.stderr()).to.equal(1);
        const lines = p.stderr().trim().split("\n");
        expect(lines, p.stderr()).to.have.length(1);
        const line = JSON.parse(lines[0]!) as { level: number; msg: string };
        expect(line.level).to.equal(60);
        expect(line.msg).to.include(`port ${port}`).and.to.include("in use");
        expect(p.stdout()).to.not.include("listening on");
      } finally {
        await release(holder);
      }
    });
  }

  it("main.ts with the default port busy listens on the next free port and says so", async () => {
    const holder = await occupy(DEFAULT_PORT); // null: something else holds it, busy all the same
    const p = spawnNode("server/src/main.ts", [], { PORT: undefined });
    try {
      await waitFor(() => p.stdout().includes("listening on") || p.child.exitCode !== null, "listening", 60_000);
      const m = /port 2567 is in use; using (\d+) instead/.exec(p.stdout());
      expect(m, p.stdout() + p.stderr()).to.not.equal(null);
      const port = Number(m![1]);
      expect(port).to.be.within(DEFAULT_PORT + 1, DEFAULT_PORT + 20);
      expect(p.stdout()).to.include(`listening on http://localhost:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).to.equal(200);
    } finally {
      await stopServer(p);
      await release(holder);
    }
  });

  it("npm start (scripts/start.mjs) with a busy PORT exits 1 within seconds of the failure and stops its services", async () => {
    const port = await freePort();
    const holder = await occupy(port);
    try {
      const p = spawnNode("scripts/start.mjs", [], {
        PORT: String(port),
        VALKEY_URL: undefined,
        DATABASE_URL: undefined,
      });
      // From the server's own failure message: how long the server takes to get there (compiling and
      // migrating on a busy machine) is not what this test is about.
      await waitFor(() => /cannot start/.test(p.stderr()) || p.child.exitCode !== null, "the failure", 180_000);
      const failed = Date.now();
      const code = await p.exited;
      expect(Date.now() - failed, "exit within 30 s of the failure").to.be.below(30_000);
      expect(code, p.stderr().slice(-3000)).to.equal(1);
      expect(p.stderr()).to.match(/cannot start: port \d+ on \S+ is in use/);
      await expectServicesGone(servicePorts(p.stderr()));
    } finally {
      await release(holder);
    }
  });

  it("npm start stopped by SIGINT exits 130 and stops its services", async () => {
    const port = await freePort();
    const p = spawnNode("scripts/start.mjs", [], {
      PORT: String(port),
      VALKEY_URL: undefined,
      DATABASE_URL: undefined,
    });
    try {
      await waitFor(() => p.stdout().includes("listening on") || p.child.exitCode !== null, "listening", 180_000);
      expect(p.child.exitCode, p.stderr().slice(-3000)).to.equal(null);
      p.child.kill("SIGINT");
      expect(await p.exited).to.equal(130);
      await expectServicesGone(servicePorts(p.stderr()));
    } finally {
      await stopServer(p);
    }
  });
});
