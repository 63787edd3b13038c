import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Staff } from '../../application/ports';

const ISSUER = 'complaint-intake';
const AUDIENCE = 'admin-api';

export interface SessionClaims {
  staffId: string;
  /** The member's session generation when issued; revoking all raises it. */
  generation: number;
  /** Identifies this token so that signing out can refuse it before it expires. */
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface SessionTokens {
  issue(staff: Staff, generation: number, now: Date): { token: string; expiresAt: Date; jti: string };
  /** The claims of a valid token, or null for a forged, expired or foreign one. */
  verify(token: string, now: Date): SessionClaims | null;
}

/** Short-lived HS256 tokens; the secret is shared by every web process (see `signingSecret`). */
export function createSessionTokens(options: { secret: string; ttlSeconds: number }): SessionTokens {
  return {
    issue(staff, generation, now) {
      const jti = randomUUID();
      const iat = Math.floor(now.getTime() / 1000);
      const token = jwt.sign({ sub: staff.id, gen: generation, iat, exp: iat + options.ttlSeconds }, options.secret, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        jwtid: jti,
      });
      return { token, expiresAt: new Date((iat + options.ttlSeconds) * 1000), jti };
    },
    verify(token, now) {
      try {
        const claims = jwt.verify(token, options.secret, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          clockTimestamp: Math.floor(now.getTime() / 1000),
        });
        if (typeof claims === 'string' || !claims.sub || !claims.jti || !claims.iat || !claims.exp || typeof claims.gen !== 'number') return null;
        return { staffId: claims.sub, generation: claims.gen, jti: claims.jti, issuedAt: new Date(claims.iat * 1000), expiresAt: new Date(claims.exp * 1000) };
      } catch {
        return null;
      }
    },
  };
}

/** JWT_SECRET when set; otherwise one generated on first start and kept in the database for every process. */
export async function signingSecret(configured: string | undefined, settings: { getOrInsert(key: string, value: string): Promise<string> }): Promise<string> {
  return configured ?? settings.getOrInsert('session_signing_secret', randomBytes(48).toString('base64url'));
}
