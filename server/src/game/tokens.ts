/**
 * Player tokens: standard JWTs (RFC 7519) signed HS256 with the server's signing secret (secrets.ts), made
 * and checked with `jose`. Claims:
 *
 *   iss "marketroom", aud "marketroom-player", sub = player id, gid = game id (a session token names
 *   "session:<id>", see sessions.ts), iat and exp (seconds since the epoch), jti (random, 16 bytes hex).
 *
 * A token names one player of one game and expires `ttlSec` after it was issued (PLAYER_TOKEN_TTL_SEC,
 * default 7 days; docs/api.md). verify() checks the signature, the algorithm (HS256 only), issuer,
 * audience and expiry (no clock tolerance); revocation (a kicked player) is checked by the service
 * against Valkey, not here.
 */
import { randomBytes } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { MIN_SECRET_CHARS } from "./secrets.ts";

export const TOKEN_ISSUER = "marketroom";
export const TOKEN_AUDIENCE = "marketroom-player";
/** Default lifetime of a player token: 7 days, longer than a class, a competition day or a week's session. */
export const DEFAULT_TOKEN_TTL_SEC = 7 * 24 * 3600;

export interface PlayerClaims {
  gameId: string;
  playerId: string;
  issuedAt: number;
  expiresAt: number;
  tokenId: string;
}

export class PlayerTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSec = DEFAULT_TOKEN_TTL_SEC,
  ) {
    if (secret.length < MIN_SECRET_CHARS)
      throw new Error(`token secret must be at least ${MIN_SECRET_CHARS} characters`);
    if (!Number.isInteger(ttlSec) || ttlSec < 1)
      throw new Error("token lifetime must be a positive whole number of seconds");
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for (gameId, playerId), valid for ttlSec from now. */
  sign(gameId: string, playerId: string): Promise<string> {
    return new SignJWT({ gid: gameId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(playerId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSec}s`)
      .setJti(randomBytes(16).toString("hex"))
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token, or null (malformed, bad signature, other algorithm, expired). */
  async verify(token: string): Promise<PlayerClaims | null> {
    try {
      const { payload: p } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ["sub", "gid", "iat", "exp", "jti"],
      });
      if (typeof p.gid !== "string" || typeof p.sub !== "string" || typeof p.jti !== "string") return null;
      return { gameId: p.gid, playerId: p.sub, issuedAt: p.iat!, expiresAt: p.exp!, tokenId: p.jti };
    } catch {
      return null;
    }
  }
}
