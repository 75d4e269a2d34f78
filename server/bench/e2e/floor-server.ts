/**
 * The floor of the end-to-end benchmark (`E2E_FLOOR=1 npm run bench:e2e`; not run by hand): a Colyseus
 * server with the game server's transport and a room "game" that has no game at all. It answers every
 * request at once with a fixed reply the size of a real place acknowledgement, and keeps a small public
 * state whose `seq` moves with every request, so each patch tick sends one patch to every client, as the
 * real room's public state does while orders arrive. No Valkey, no persister, no PostgreSQL.
 *
 * What bench:e2e measures against it is what this machine, Node, ws and Colyseus cost for the same
 * clients and load before any of the game's own work: the p99 and the CPU per command that no game server
 * built on them can go below here (docs/throughput.md "Stop 28").
 *
 *   node --import tsx server/bench/e2e/floor-server.ts --port <port>
 *
 * Serves GET /health (200) for the bench's readiness check; any bearer token is accepted; the one room is
 * created at start and never disposed. Prints nothing but errors. Colyseus' own SIGTERM handler stops it.
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
import { defineRoom, defineServer, matchMaker, Room, type Client } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { Schema, type } from "@colyseus/schema";

class FloorState extends Schema {
  @type("float64") seq = 0;
  @type("float64") lastPrice = 0;
}

/**
 * A place acknowledgement as the real room sends one (CommandAck of shared/src/messages.ts: the order's
 * summary, no fills), with its numbers fixed: the reply's encoding and size are what a real one costs.
 */
const ACK = {
  ok: true,
  type: "place",
  seq: 1_234_567,
  order: {
    orderId: 123_456,
    securityId: 1,
    side: "buy",
    price: 100,
    qty: 2,
    filledQty: 0,
    restingQty: 2,
    status: "resting",
    orderType: "limit",
    tif: "GTC",
    postOnly: false,
  },
  fills: [],
};

class FloorRoom extends Room<{ state: FloorState }> {
  override state = new FloorState();
  override maxClients = 10_000;
  override autoDispose = false;

  static override async onAuth(): Promise<boolean> {
    return true;
  }

  override onCreate(): void {
    const answer = (_client: Client, body: unknown) => {
      this.state.seq += 1;
      const price = (body as { price?: unknown } | undefined)?.price;
      if (typeof price === "number") this.state.lastPrice = price;
      return ACK;
    };
    for (const t of ["place", "cancel", "cancel-all", "amend"]) this.onMessage(t, answer);
  }

  override onUncaughtException(err: Error, method: string): void {
    process.stderr.write(`floor room: ${method}: ${err.stack ?? err}\n`);
  }
}

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const server = defineServer({
  transport: new WebSocketTransport({ pingInterval: 5000, pingMaxRetries: 3 }),
  rooms: { game: defineRoom(FloorRoom) },
  express: (app) => {
    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });
  },
  greet: false,
});
await server.listen(port, "127.0.0.1");
await matchMaker.createRoom("game", {});
