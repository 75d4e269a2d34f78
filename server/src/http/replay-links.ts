/**
 * Shareable read-only replay links (docs/replay.md "Shared replay links"):
 *
 *   POST /api/games/:id/replay-links [{ ttlSec }]   admin -> 201 ReplayLink { gameId, token, path, url, expiresAt }
 *
 * A link carries a viewer token: a JWT (RFC 7519, HS256, made with `jose`) with iss "marketroom", aud
 * "marketroom-viewer", sub "viewer", role "viewer", gid = the game id, iat, exp and a random jti. It is
 * signed with a key derived from the server's token secret (HMAC-SHA256(secret, "marketroom viewer
 * tokens")), so it can never pass as a player token (other key, other audience) and the game service
 * never accepts it: it opens the replay routes of its one game (replay.ts, with the viewer's privacy of
 * replay/privacy.ts) and nothing else: no room, no order, no admin route.
 *
 * Lifetime: `ttlSec` from 60 s to 365 days, default 30 days (a term's review). Links are made only for a
 * round that has ended (INVALID_PHASE_TRANSITION 409 before: a teacher shares a round after it, and a
 * live round's replay would be a live feed). A link cannot be revoked one by one: rotating TOKEN_SECRET
 * ends every token.
 *
 * Errors: UNAUTHORIZED 401 / FORBIDDEN 403 (not the admin), UNKNOWN_GAME 404, INVALID_BODY 400,
 * INVALID_PHASE_TRANSITION 409 (not ended), UNAVAILABLE 503 (no signing key configured).
 */
import { createHmac, randomBytes } from "node:crypto";
import express, { type Application } from "express";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import { GameIdParam } from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import { loadSecret } from "../game/secrets.ts";
import { TOKEN_ISSUER } from "../game/tokens.ts";
import { adminOnly, parse } from "./request.ts";

export const VIEWER_AUDIENCE = "marketroom-viewer";
/** Default lifetime of a replay link: 30 days. */
export const DEFAULT_LINK_TTL_SEC = 30 * 24 * 3600;
export const MAX_LINK_TTL_SEC = 365 * 24 * 3600;
export const MIN_LINK_TTL_SEC = 60;

/** POST body: the link's lifetime in seconds. */
export const ReplayLinkBody = z
  .object({
    ttlSec: z.number().int().min(MIN_LINK_TTL_SEC).max(MAX_LINK_TTL_SEC).default(DEFAULT_LINK_TTL_SEC),
  })
  .strict();

/** The reply of POST /api/games/:id/replay-links. `path` is relative to the server's origin. */
export interface ReplayLink {
  gameId: string;
  token: string;
  path: string;
  url: string;
  expiresAt: number;
}

/** A checked viewer token: its game and expiry (s since the epoch), or why it was refused. */
export type ViewerCheck =
  { ok: true; gameId: string; expiresAt: number } | { ok: false; reason: "expired" | "invalid" };

/** Signs and checks viewer tokens (the file header). */
export class ViewerTokens {
  private readonly key: Uint8Array;

  constructor(tokenSecret: string) {
    this.key = createHmac("sha256", tokenSecret).update("marketroom viewer tokens").digest();
  }

  /** With the server's token secret as the game service loads it (TOKEN_SECRET, else its file). */
  static fromConfig(config: { tokenSecret: string | undefined; tokenSecretFile: string }): ViewerTokens {
    return new ViewerTokens(loadSecret("TOKEN_SECRET", config.tokenSecret, config.tokenSecretFile).value);
  }

  /** A token for the replay of `gameId`, valid `ttlSec` seconds from `issuedAtSec` (default now; s since the epoch). */
  sign(gameId: string, ttlSec: number, issuedAtSec = Math.floor(Date.now() / 1000)): Promise<string> {
    return new SignJWT({ gid: gameId, role: "viewer" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(VIEWER_AUDIENCE)
      .setSubject("viewer")
      .setIssuedAt(issuedAtSec)
      .setExpirationTime(issuedAtSec + ttlSec)
      .setJti(randomBytes(16).toString("hex"))
      .sign(this.key);
  }

  /** Checks signature (HS256 only), issuer, audience, role and expiry (no clock tolerance). */
  async verify(token: string): Promise<ViewerCheck> {
    try {
      const { payload: p } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: TOKEN_ISSUER,
        audience: VIEWER_AUDIENCE,
        requiredClaims: ["gid", "exp", "iat", "jti"],
      });
      if (typeof p.gid !== "string" || p.role !== "viewer" || p.sub !== "viewer")
        return { ok: false, reason: "invalid" };
      return { ok: true, gameId: p.gid, expiresAt: p.exp! };
    } catch (err) {
      return { ok: false, reason: err instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
    }
  }
}

/** Mounts POST /api/games/:id/replay-links (before the /api 404 handler). */
export function mountReplayLinkRoutes(app: Application, deps: { service: GameService; viewers?: ViewerTokens }): void {
  const { service, viewers } = deps;
  app.post("/api/games/:id/replay-links", adminOnly(service), express.json({ limit: "4kb" }), async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const { ttlSec } = parse(ReplayLinkBody, req.body ?? {});
    if (!viewers) throw new ApiError("UNAVAILABLE", "replay links need the token secret");
    const game = await service.get(gameId);
    if (game.phase !== "ended")
      throw new ApiError("INVALID_PHASE_TRANSITION", `the round is ${game.phase}: share its replay after it has ended`);
    const token = await viewers.sign(gameId, ttlSec);
    const path = `/#/replay/${encodeURIComponent(gameId)}?view=${token}`;
    const link: ReplayLink = {
      gameId,
      token,
      path,
      url: `${req.protocol}://${req.get("host")}${path}`,
      expiresAt: (Math.floor(Date.now() / 1000) + ttlSec) * 1000,
    };
    res.status(201).json(link);
  });
}
