/**
 * The admin's view of a round's API usage (docs/algo-trading.md "Usage"), from the counters of usage.ts:
 *
 *   GET /admin/games/:id/usage -> { gameId, totals, players: [...], keys: [...] }
 *
 * `keys`: each key or inbound webhook that made a request in the round (kind "key" | "webhook"), with its
 * name when it is a key of the round, its player and counters, most requests first. `players`: every
 * player of the round with the sum over their keys and webhooks (zeros for a player who used none),
 * most requests first, then by name. Counters: requests, orders, rejects, rateLimited (usage.ts).
 */
import { z } from "zod";
import { unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { Caller } from "./auth.ts";
import type { ApiKeyStore } from "./key-store.ts";
import type { ApiRouter } from "./router.ts";
import { AdminGameParam } from "./schemas.ts";
import { noUsage, USAGE_COUNTERS, type ApiUsage, type Usage } from "./usage.ts";

const Counters = {
  requests: z.number().int(),
  orders: z.number().int(),
  rejects: z.number().int(),
  rateLimited: z.number().int(),
};
export const UsageReply = z
  .object({
    gameId: z.string(),
    totals: z.object(Counters),
    players: z.array(z.object({ playerId: z.string(), name: z.string(), keys: z.number().int(), ...Counters })),
    keys: z.array(
      z.object({
        keyId: z.string(),
        kind: z.enum(["key", "webhook"]),
        name: z.string(),
        playerId: z.string(),
        playerName: z.string(),
        revokedAt: z.number().int().nullable(),
        ...Counters,
      }),
    ),
  })
  .meta({ id: "ApiUsage" });

const add = (into: Usage, u: Usage) => {
  for (const c of USAGE_COUNTERS) into[c] += u[c];
};

export function mountUsageRoutes(
  r: ApiRouter<Caller>,
  service: GameService,
  usage: ApiUsage,
  keys: () => ApiKeyStore,
): void {
  r.add({
    method: "get",
    path: "/admin/games/:id/usage",
    access: "admin",
    summary: "API usage of a round per key and per player: requests, orders, rejects, rate limit hits",
    params: AdminGameParam,
    replies: { 200: UsageReply },
    errors: ["NOT_FOUND", "FORBIDDEN", "UNKNOWN_GAME"],
    handler: async ({ params }) => {
      const gameId = params.id;
      const info = unwrap(await service.hub.engine.gameInfo(gameId));
      const [counts, list] = await Promise.all([usage.read(gameId), keys().list(gameId)]);
      const names = new Map(info.players.map((p) => [p.playerId, p.name]));
      const keyInfo = new Map(list.map((k) => [k.keyId, k]));
      const totals = noUsage();
      const perPlayer = new Map(
        info.players.map((p) => [p.playerId, { playerId: p.playerId, name: p.name, keys: 0, ...noUsage() }]),
      );
      const keyRows = [...counts].map(([keyId, { playerId, usage: u }]) => {
        add(totals, u);
        const p = perPlayer.get(playerId);
        if (p) {
          add(p, u);
          p.keys++;
        }
        const k = keyInfo.get(keyId);
        return {
          keyId,
          kind: keyId.startsWith("wh_") ? ("webhook" as const) : ("key" as const),
          name: k?.name ?? "",
          playerId,
          playerName: names.get(playerId) ?? "",
          revokedAt: k?.revokedAt ?? null,
          ...u,
        };
      });
      keyRows.sort((a, b) => b.requests - a.requests || a.keyId.localeCompare(b.keyId));
      const players = [...perPlayer.values()].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
      return { gameId, totals, players, keys: keyRows };
    },
  });
}
