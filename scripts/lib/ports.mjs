// Free TCP ports on 127.0.0.1 for the private services and the servers under test. Plain Node ESM.
import { createServer } from "node:net";

/** Ports handed out by freePort() in this process, so parallel starts never share one. */
const usedPorts = new Set();

/** Resolves with a TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close). */
export async function freePort() {
  for (;;) {
    const port = await new Promise((done, fail) => {
      const srv = createServer();
      srv.unref();
      srv.on("error", fail);
      srv.listen(0, "127.0.0.1", () => {
        const { port: p } = srv.address();
        srv.close(() => done(p));
      });
    });
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
}

/** Runs start() up to 3 times while it fails because its freshly chosen port got taken meanwhile. */
export async function retryOnPortRace(start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!err.portInUse || attempt >= 3) throw err;
    }
  }
}
