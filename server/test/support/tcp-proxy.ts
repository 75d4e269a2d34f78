/**
 * A TCP proxy on a free loopback port in front of a real service (Valkey or PostgreSQL), so a test can
 * take that service away from one server process and give it back, without touching the service the
 * rest of the suite shares. `cut()` closes the listener and resets every open connection: the server
 * sees exactly what it sees when the service dies (ECONNRESET, then ECONNREFUSED). `restore()` listens
 * again on the same port.
 *
 *   const p = await TcpProxy.start(6379);   p.port   await p.cut()   await p.restore()   await p.close()
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    public port = 0,
  ) {}

  /** A proxy to `targetPort` on `targetHost`, listening on a free port of 127.0.0.1. */
  static async start(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
    const p = new TcpProxy({ host: targetHost, port: targetPort });
    await p.restore();
    return p;
  }

  /** Listens (again) on `port` (a free one the first time). */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening and resets every connection through the proxy. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.cut();
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        this.sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
