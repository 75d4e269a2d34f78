/**
 * Scripted players for the Chromium suites: WebSocket clients (Colyseus) that join a running game and
 * place limit orders of security 1 beside the players in the browser.
 *
 *   const traders = useTraders(b);           inside a describe, after useChromium(): leaves them after each test
 *   const place = await traders.join(game, "alice");
 *   await place("sell", 10_000, 50);          a GTC limit order: price in ticks, qty in lots; expects ok
 */
import { expect } from "chai";
import { connect, join } from "../../../server/test/support/harness.ts";
import type { ChromiumSuite } from "./chromium.ts";

/** The game a trader joins (by its code) and connects to. */
export interface TraderGame {
  gameId: string;
  joinCode: string;
}

/** Places a GTC limit order of security 1 (price in ticks, qty in lots) and expects it accepted. */
export type PlaceLimit = (side: "buy" | "sell", price: number, qty: number) => Promise<void>;

/** Registers an afterEach hook that makes every trader of the test leave its room. */
export function useTraders(b: ChromiumSuite): { join(game: TraderGame, name: string): Promise<PlaceLimit> } {
  const rooms: { leave(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });
  return {
    async join(game, name) {
      const j = await join(b.h, game.joinCode, name);
      const room = await connect(b.h, game.gameId, j.token);
      rooms.push(room);
      return async (side, price, qty) => {
        const r: any = await room.request("place", { securityId: 1, side, type: "limit", tif: "GTC", price, qty });
        expect(r.ok, JSON.stringify(r)).to.equal(true);
      };
    },
  };
}
