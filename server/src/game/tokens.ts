/**
 * Player tokens: `v1.<payload>.<mac>`, payload = base64url(JSON { g: gameId, p: playerId, t: issued ms }),
 * mac = base64url(HMAC-SHA256(secret, "v1." + payload)). A token names one player of one game; it does
 * not expire (a game's life is its expiry). Verification is constant-time on the MAC.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface PlayerClaims { gameId: string; playerId: string; issuedAt: number }

export class TokenSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error("token secret must be at least 16 characters");
  }

  /** A token for (gameId, playerId). */
  sign(gameId: string, playerId: string): string {
    const payload = Buffer.from(JSON.stringify({ g: gameId, p: playerId, t: Date.now() })).toString("base64url");
    return `v1.${payload}.${this.mac(`v1.${payload}`)}`;
  }

  /** The claims of a valid token, or null (malformed, wrong MAC). */
  verify(token: string): PlayerClaims | null {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== "v1") return null;
    const want = Buffer.from(this.mac(`v1.${parts[1]}`));
    const got = Buffer.from(parts[2]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    try {
      const c = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { g?: unknown; p?: unknown; t?: unknown };
      if (typeof c.g !== "string" || typeof c.p !== "string") return null;
      return { gameId: c.g, playerId: c.p, issuedAt: Number(c.t) || 0 };
    } catch {
      return null;
    }
  }

  private mac(text: string): string {
    return createHmac("sha256", this.secret).update(text).digest("base64url");
  }
}

/** Constant-time string equality (for the admin token). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A random url-safe secret of `bytes` bytes. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}
