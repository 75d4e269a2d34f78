/**
 * Every /api/v1 route that takes an API key (read from the OpenAPI document, so a new route is covered
 * without editing this test) with a valid key, a revoked key, another player's key and no key (issue 14,
 * "Tests"): no key and a revoked key are UNAUTHORIZED and change nothing; the valid key succeeds; another
 * player's key never reads or changes the first player's orders, keys or hooks.
 */
import { expect } from "chai";
import { api, createGame, harness, join, type Harness } from "../support/harness.ts";

type Reply = { status: number; body: any };

/**
 * One request. A 429 (the key's 100 requests a second, which this test's loop can reach on a fast
 * machine) is sent again after its Retry-After: rate limits are tested elsewhere, not here.
 */
async function call(h: Harness, method: string, path: string, key: string | null, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  for (;;) {
    const res = await fetch(`${h.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 429) return { status: res.status, body: text ? JSON.parse(text) : null };
    await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000));
  }
}

interface Route {
  method: string;
  /** OpenAPI form, e.g. /api/v1/orders/{id} */
  path: string;
}

describe("REST API /api/v1: every key route with a valid, a revoked, another player's and no key", function () {
  this.timeout(90_000);
  let h: Harness;
  let routes: Route[];
  before(async () => {
    h = await harness();
    const doc = (await call(h, "GET", "/api/v1/openapi.json", null)).body as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security?.some((s) => "apiKey" in s))
        .map(([method, _op]) => ({ method: method.toUpperCase(), path })),
    );
  });

  it("answers each as its key allows, and nobody else's key touches the player's things", async () => {
    expect(routes.length, "key routes in the OpenAPI document").to.be.at.least(15);
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await join(h, game.joinCode, "bob");
    const alice = await join(h, game.joinCode, "alice");
    const keyOf = async (token: string) =>
      (await call(h, "POST", "/api/v1/keys", token, {})).body as { key: string; keyId: string };
    const bobKey = (await keyOf(bob.token)).key;
    const aliceKey = (await keyOf(alice.token)).key;
    const revoked = await keyOf(bob.token);
    expect((await call(h, "DELETE", `/api/v1/keys/${revoked.keyId}`, bob.token)).status).to.equal(200);

    /** A fresh thing of bob's for a route's path parameters, and the body the route needs. */
    const fixture = async (r: Route): Promise<{ path: string; body?: unknown }> => {
      const order = async () =>
        (await call(h, "POST", "/api/v1/orders", bobKey, { securityId: 1, side: "buy", price: 80, qty: 1 })).body
          .id as string;
      let path = r.path.replace("{security}", "1");
      if (path.includes("/orders/{id}")) path = path.replace("{id}", await order());
      if (path.includes("/keys/{keyId}")) path = path.replace("{keyId}", (await keyOf(bob.token)).keyId);
      if (path.includes("/outbound-webhooks/{hookId}")) {
        const made = await call(h, "POST", "/api/v1/outbound-webhooks", bob.token, { url: "https://example.org/h" });
        path = path.replace("{hookId}", made.body.hookId);
      } else if (path.includes("/webhooks/{hookId}")) {
        const made = await call(h, "POST", "/api/v1/webhooks", bob.token, { name: "tv" });
        path = path.replace("{hookId}", made.body.hookId);
      }
      if (path.includes("/stops/{id}")) {
        const made = await call(h, "POST", "/api/v1/stops", bobKey, {
          securityId: 1,
          side: "sell",
          qty: 1,
          stopPrice: 50,
        });
        path = path.replace("{id}", `1-${made.body.stopIds[0]}`);
      }
      expect(path, `${r.method} ${r.path}: a parameter this test does not know`).not.to.match(/\{/);
      const bodies: Record<string, unknown> = {
        "POST /api/v1/orders": { securityId: 1, side: "sell", price: 120, qty: 1 },
        "PATCH /api/v1/orders/{id}": { qty: 1, price: 81 },
        "POST /api/v1/keys": {},
        "POST /api/v1/webhooks": { name: "tv" },
        "POST /api/v1/outbound-webhooks": { url: "https://example.org/h" },
        "POST /api/v1/stops": { securityId: 1, side: "sell", qty: 1, stopPrice: 50 },
        "POST /api/v1/positions/{security}/exits": { stopLoss: 50 },
      };
      const body = bodies[`${r.method} ${r.path}`];
      if (body === undefined && (r.method === "POST" || r.method === "PATCH"))
        expect.fail(`${r.method} ${r.path}: a body this test does not know`);
      return { path, body };
    };
    /** What a refused request must leave alone: bob's account, open orders and keys. */
    const bobState = async () => ({
      account: {
        ...(await call(h, "GET", "/api/v1/account", bobKey)).body,
        seq: "the game's, moves with anyone's order",
      },
      orders: (await call(h, "GET", "/api/v1/orders", bobKey)).body.orders,
      keys: (await call(h, "GET", "/api/v1/keys", bob.token)).body.keys,
    });

    for (const r of routes) {
      const what = `${r.method} ${r.path}`;
      const { path, body } = await fixture(r);
      const before = await bobState();
      for (const [who, key] of [
        ["no key", null],
        ["a revoked key", revoked.key],
      ] as const) {
        const res = await call(h, r.method, path, key, body);
        expect(res.status, `${what} with ${who}: ${JSON.stringify(res.body)}`).to.equal(401);
        expect(res.body.code, `${what} with ${who}`).to.equal("UNAUTHORIZED");
      }
      const other = await call(h, r.method, path, aliceKey, body);
      if (/\{(id|keyId|hookId)\}/.test(r.path)) {
        // bob's order, key or hook named in the path: alice's key finds it not hers
        expect(other.status, `${what} with another player's key: ${JSON.stringify(other.body)}`).to.be.oneOf([
          403, 404,
        ]);
      } else expect(other.status, `${what} with another player's key: ${JSON.stringify(other.body)}`).to.be.below(300);
      if (other.body && typeof other.body === "object" && "playerId" in other.body)
        expect(other.body.playerId, what).to.equal(alice.playerId);
      expect(JSON.stringify(other.body), `${what}: nothing of bob's in alice's answer`).not.to.include(bob.playerId);
      expect(await bobState(), `${what}: bob's state after the refused and the other player's requests`).to.deep.equal(
        before,
      );
      const ok = await call(h, r.method, path, bobKey, body);
      expect(ok.status, `${what} with the player's key: ${JSON.stringify(ok.body)}`).to.be.below(300);
    }
  });
});
