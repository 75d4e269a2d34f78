/**
 * A CFD round through a real server (docs/margin.md "CFD securities"): the create settings, the house's
 * quote in the public state, a CFD position opened with a leverage and closed at the quote through the
 * room, its rejections, its fills in "My fills" (private state and GET /api/v1/fills), the log, the PostgreSQL order rows and the export's margin section. Real
 * WebSocket clients, Valkey and PostgreSQL.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, EngineEvent, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
type Reply = CommandReply & {
  ok: boolean;
  code?: string;
  order?: { status: string; filledQty: number; notional: number };
};
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<Reply>;

/** A call to /api/v1 with a key or a player token. */
async function v1(h: Harness, method: string, path: string, key: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${h.base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("CFD round through the room", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("refuses a CFD outside margin mode (INVALID_BODY)", async () => {
    const res = await api(h, "POST", "/api/games", {
      name: "cash cfd",
      securities: [{ securityId: 1, symbol: "GOLD", refPrice: 1000, kind: "cfd", halfSpread: 2 }],
      endowment: { cash: 10_000 },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.code).to.equal("INVALID_BODY");
  });

  it("opens a leveraged CFD position at the ask and closes it at the bid after a reference move", async () => {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", insuranceFund: 100_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "GOLD", refPrice: 1000, kind: "cfd", halfSpread: 2 }],
      securityRules: { maxLeverage: 10, maintenanceMarginBps: 500 },
      endowment: { cash: 10_000 },
    });
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const me = () => ra.state.players.get(a.playerId)!;
    await waitFor(() => ra.state.securities.get("1")?.quoteAsk === 1002, "the house's quote");
    expect(ra.state.securities.get("1")).to.include({ kind: "cfd", halfSpread: 2, quoteBid: 998, quoteAsk: 1002 });

    const tooMuch = await req(ra, "place", {
      securityId: 1,
      side: "buy",
      type: "market",
      tif: "IOC",
      qty: 5,
      leverage: 11,
    });
    expect(tooMuch).to.include({ ok: false, code: "INVALID_LEVERAGE" });
    const buy = await req(ra, "place", { securityId: 1, side: "buy", type: "market", tif: "IOC", qty: 5, leverage: 5 });
    expect(buy, JSON.stringify(buy)).to.include({ ok: true });
    expect(buy.order).to.include({ status: "filled", filledQty: 5, notional: 5010 });
    await waitFor(() => me().positions.get("1")?.qty === 5, "alice long 5");
    expect(me().positions.get("1")).to.include({ entryPrice: 1002 });

    const moved = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 1050 });
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    await waitFor(() => ra.state.securities.get("1")?.quoteBid === 1048, "the new quote");
    const sell = await req(ra, "place", { securityId: 1, side: "sell", type: "market", tif: "IOC", qty: 5 });
    expect(sell, JSON.stringify(sell)).to.include({ ok: true });
    // bought 5 at 1002, sold 5 at 1048: +230
    await waitFor(() => me().cash === 10_230 && (me().positions.get("1")?.qty ?? 0) === 0, "alice flat with the gain");

    // "My fills": the house's fills are the player's fills, in the private state and in GET /api/v1/fills
    const mine = [
      ["buy", 1002, 5, "taker"],
      ["sell", 1048, 5, "taker"],
    ];
    await waitFor(() => me().fills.length === 2, "alice's CFD fills in her private state");
    expect(me().fills.map((f) => [f.side, f.price, f.qty, f.role])).to.deep.equal(mine);
    const key = (await v1(h, "POST", "/keys", a.token, {})).body.key as string;
    const rest = await v1(h, "GET", "/fills", key);
    expect(rest.status, JSON.stringify(rest.body)).to.equal(200);
    expect(rest.body.fills.map((f: any) => [f.side, f.price, f.qty, f.role])).to.deep.equal(mine);
    const later = await v1(h, "GET", `/fills?since=${rest.body.fills[0].seq}`, key);
    expect(later.body.fills.map((f: any) => f.side)).to.deep.equal(["sell"]);

    const log: EngineEvent[] = await gameLog(h, game.gameId);
    const fills = log.filter((e) => e.type === "cfd_fill");
    expect(fills.map((e) => [e.side, e.price, e.qty])).to.deep.equal([
      ["buy", 1002, 5],
      ["sell", 1048, 5],
    ]);
    expect(log.filter((e) => e.type === "cfd_leverage").map((e) => e.initialMarginBps)).to.deep.equal([2000]);

    // the persister's order rows: both filled at the house's quote
    const orderRows = () =>
      h.db
        .selectFrom("orders")
        .select(["order_id", "status", "filled_qty", "notional"])
        .where("game_id", "=", game.gameId)
        .orderBy("order_id")
        .execute();
    let rows = await orderRows();
    for (const until = Date.now() + 15_000; !(rows.length === 2 && rows.every((o) => o.status === "filled"));) {
      if (Date.now() > until) throw new Error(`timed out waiting for the order rows: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 50));
      rows = await orderRows();
    }
    expect(rows.map((o) => [Number(o.filled_qty), Number(o.notional)])).to.deep.equal([
      [5, 5010],
      [5, 5240],
    ]);

    expect((await api(h, "POST", `/api/games/${game.gameId}/end`)).status).to.equal(200);
    let cfg = await api(h, "GET", `/api/games/${game.gameId}/export/config.json`);
    for (const until = Date.now() + 15_000; cfg.status !== 200 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
      cfg = await api(h, "GET", `/api/games/${game.gameId}/export/config.json`);
    }
    expect(cfg.status, JSON.stringify(cfg.body)).to.equal(200);
    expect(cfg.body.margin.cfdFills).to.have.length(2);
    expect(cfg.body.margin.fund).to.deep.equal({ cash: 100_000 - 230, positions: [] });
  });

  it("a CFD's waiting limit order is private: the owner sees it in their open orders, no other client's socket gets it", async () => {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", insuranceFund: 100_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "GOLD", refPrice: 1000, kind: "cfd", halfSpread: 2 }],
      securityRules: { maxLeverage: 10 },
      endowment: { cash: 100_000 },
    });
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const [a, b] = [await join(h, game.joinCode, "alice"), await join(h, game.joinCode, "bob")];
    const [ra, rb] = [await connect(h, game.gameId, a.token), await connect(h, game.gameId, b.token)];
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(ra, rb, obs);
    const frames: Buffer[][] = [rb, obs].map((room) => {
      const got: Buffer[] = [];
      const ws = (room as any).connection.transport.ws;
      ws.addEventListener("message", (ev: { data: ArrayBuffer }) => got.push(Buffer.from(ev.data)));
      return got;
    });
    const secret = "alice-cfd-waiting-5521";
    const placed = await req(ra, "place", { securityId: 1, side: "buy", price: 950, qty: 7, clientOrderId: secret });
    expect(placed, JSON.stringify(placed)).to.include({ ok: true });
    const mine = () => [...ra.state.players.get(a.playerId)!.orders.values()];
    await waitFor(() => mine().length === 1, "alice's waiting order in her open orders");
    expect(mine()[0]).to.include({ price: 950, amount: 7, clientOrderId: secret });
    // a later public change reaches both sockets: the patch with alice's order has been sent by then
    expect((await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 990 })).status).to.equal(
      200,
    );
    for (const room of [ra, rb, obs])
      await waitFor(() => room.state.securities.get("1")?.quoteAsk === 992, "the new quote");
    for (const room of [ra, rb, obs]) {
      const s = room.state.securities.get("1")!;
      expect([s.bids.length, s.asks.length], "the CFD's public book").to.deep.equal([0, 0]);
    }
    expect(rb.state.players.get(a.playerId)!.orders).to.equal(undefined);
    for (const got of frames)
      expect(
        got.some((f) => f.includes(secret)),
        "alice's order on another socket",
      ).to.equal(false);
    const key = (await v1(h, "POST", "/keys", b.token, {})).body.key as string;
    const book = await v1(h, "GET", "/book/1", key);
    expect(book.status, JSON.stringify(book.body)).to.equal(200);
    expect([book.body.bids, book.body.asks]).to.deep.equal([[], []]);
  });
});
