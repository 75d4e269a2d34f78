/**
 * A misbehaving client for the flood test, run as its own process so that its send loop does not share
 * the test's event loop: `node --import tsx flooder.ts <base> <gameId> <token> <seconds>`.
 *
 * For `seconds` it joins the game's room with the SDK and sends "place" messages as fast as the socket
 * takes them (bursts of 500, yielding while more than 1 MB is buffered); when the server closes the
 * connection it joins again at once. Prints one JSON line on stdout at the end:
 * `{ "sent", "connections", "closeCodes" }`.
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
import { Client } from "@colyseus/sdk";

const [base, gameId, token, seconds] = process.argv.slice(2);
const until = Date.now() + Number(seconds) * 1000;
let sent = 0;
let connections = 0;
const closeCodes: number[] = [];

async function floodOnce(): Promise<void> {
  const sdk = new Client(base!);
  sdk.auth.token = token!;
  const room = await sdk.joinOrCreate("game", { gameId });
  room.reconnection.enabled = false;
  connections++;
  let open = true;
  room.onLeave((code) => {
    open = false;
    closeCodes.push(code);
  });
  const ws = (room as unknown as { connection: { transport: { ws: WebSocket } } }).connection.transport.ws;
  while (open && Date.now() < until) {
    for (let i = 0; i < 500 && open; i++, sent++) room.send("place", { securityId: 1, side: "buy", price: 1, qty: 1 });
    do await new Promise((r) => setImmediate(r));
    while (open && ws.bufferedAmount > 1 << 20 && Date.now() < until);
  }
  if (open) await room.leave().catch(() => {});
}

while (Date.now() < until) {
  try {
    await floodOnce();
  } catch {
    await new Promise((r) => setTimeout(r, 10)); // a refused join: try again
  }
}
process.stdout.write(`${JSON.stringify({ sent, connections, closeCodes })}\n`);
process.exit(0);
