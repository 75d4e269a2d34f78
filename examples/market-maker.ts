/**
 * A small market-making bot for marketroom's API for programs (docs/algo-trading.md): it keeps the
 * order book from the stream (snapshot + numbered updates, resubscribing on a gap), quotes one lot on
 * each side around the mid every second over REST, reports its fills, and cancels everything at the end.
 *
 *   node --import tsx examples/market-maker.ts --key mrk_... [--base http://127.0.0.1:2567] [--security 1] [--seconds 30] [--spread 2]
 *
 * Only fetch and the `ws` package (Node 20 has no global WebSocket client). Prices in ticks, qty in lots.
 * The last line it prints is a JSON summary: { quotes, fills, gaps, errors }.
 */
import { parseArgs } from "node:util";
import { WebSocket } from "ws";

const { values: opt } = parseArgs({
  options: {
    key: { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:2567" },
    security: { type: "string", default: "1" },
    seconds: { type: "string", default: "30" },
    spread: { type: "string", default: "2" },
  },
});
if (!opt.key) throw new Error("--key mrk_... is required (create one in the player view, or POST /api/v1/keys)");
const base = opt.base!.replace(/\/$/, "");
const securityId = Number(opt.security);
const spread = Number(opt.spread);
const stats = { quotes: 0, fills: 0, gaps: 0, errors: 0 };

/** One REST call; waits and retries once on 429 (Retry-After); throws on other errors with the code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, shapes in docs/api.md
async function rest(method: string, path: string, body?: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${opt.key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const out = await res.json();
    if (res.status === 429 && attempt === 0) {
      await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
      continue;
    }
    if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${out.code} ${out.message}`), { code: out.code });
    return out;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the book, from the stream ----
type Level = { price: number; qty: number; orders: number };
const book = { bids: new Map<number, Level>(), asks: new Map<number, Level>(), seq: 0 };

function onBook(m: { action: string; seq: number; bids: Level[]; asks: Level[] }, resubscribe: () => void): void {
  if (m.action === "snapshot") {
    book.bids.clear();
    book.asks.clear();
  } else if (m.seq !== book.seq + 1) {
    stats.gaps++;
    resubscribe();
    return;
  } // lost an update: start over
  book.seq = m.seq;
  for (const side of ["bids", "asks"] as const) {
    for (const l of m[side])
      if (l.qty === 0) book[side].delete(l.price);
      else book[side].set(l.price, l);
  }
}

const best = (side: "bids" | "asks") => {
  const prices = [...book[side].keys()];
  return prices.length ? (side === "bids" ? Math.max(...prices) : Math.min(...prices)) : null;
};

async function main(): Promise<void> {
  const { securities } = await rest("GET", "/securities");
  const sec = securities.find((s: { securityId: number }) => s.securityId === securityId);
  if (!sec) throw new Error(`no security ${securityId}`);

  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/v1/stream`, {
    headers: { authorization: `Bearer ${opt.key}` },
  });
  const subscribe = () => ws.send(JSON.stringify({ op: "subscribe", channel: "book", securityId, depth: 10 }));
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === "book" && m.securityId === securityId) onBook(m, subscribe);
    else if (m.type === "execution" && m.kind === "fill") {
      stats.fills++;
      console.log(`fill ${m.side} ${m.qty} @ ${m.price} (${m.role})`);
    } else if (m.type === "error") {
      stats.errors++;
      console.error(`stream: ${m.code} ${m.message}`);
    }
  });
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  subscribe();
  ws.send(JSON.stringify({ op: "subscribe", channel: "executions" }));

  const until = Date.now() + Number(opt.seconds) * 1000;
  let n = 0;
  while (Date.now() < until) {
    const bid = best("bids");
    const ask = best("asks");
    const mid = bid !== null && ask !== null ? Math.round((bid + ask) / 2) : (bid ?? ask ?? sec.refPrice);
    try {
      await rest("DELETE", `/orders?securityId=${securityId}`);
      n++;
      // post-only: a quote never takes; one that would is refused (POST_ONLY_WOULD_TAKE) and skipped.
      for (const [side, price] of [
        ["buy", mid - spread],
        ["sell", mid + spread],
      ] as const) {
        await rest("POST", "/orders", {
          securityId,
          side,
          price: Math.max(1, price),
          qty: 1,
          postOnly: true,
          clientOrderId: `mm-${process.pid}-${n}-${side}`,
        })
          .then(() => {
            stats.quotes++;
          })
          .catch((err) => {
            if (err.code !== "POST_ONLY_WOULD_TAKE") throw err;
          });
      }
    } catch (err) {
      stats.errors++;
      console.error(String(err));
      if ((err as { code?: string }).code === "MARKET_CLOSED" || (err as { code?: string }).code === "UNAUTHORIZED")
        break;
    }
    await sleep(1000);
  }
  await rest("DELETE", `/orders?securityId=${securityId}`).catch(() => {});
  ws.close();
  console.log(JSON.stringify(stats));
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
