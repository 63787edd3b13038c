import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { API_TOKEN_PREFIX, apiTokenStaff, sessionStaff } from '../../application/staff-accounts';
import type { Store } from '../../application/ports';
import { DomainError } from '../../domain/errors';
import type { SessionTokens } from './session-tokens';
import { setCurrentStaff } from './route-registry';

export const SESSION_COOKIE = 'admin_session';

export interface AuthenticateDeps {
  store: Store;
  tokens: SessionTokens;
  redis: Redis;
  clock: () => Date;
}

const revokedKey = (jti: string) => `session-revoked:${jti}`;

/** Refuses the token until it would have expired anyway. */
export async function revokeSession(redis: Redis, claims: { jti: string; expiresAt: Date }, now: Date): Promise<void> {
  const seconds = Math.ceil((claims.expiresAt.getTime() - now.getTime()) / 1000);
  if (seconds > 0) await redis.set(revokedKey(claims.jti), '1', 'EX', seconds);
}

function cookieToken(req: Request): string | undefined {
  const cookies = req.headers.cookie?.split(';') ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

const unauthenticated = (message: string) => new DomainError('AUTH.UNAUTHENTICATED', message);

/**
 * Bearer tokens (session JWTs or `cit_` API tokens) for the API. The session cookie is accepted
 * only where `allowCookie` is set — the browser pages of /admin/queues — so no API call can be
 * forged from another site.
 */
export function authenticate(deps: AuthenticateDeps, options: { allowCookie?: boolean } = {}): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req) ?? (options.allowCookie ? cookieToken(req) : undefined);
    if (!token) throw unauthenticated('Sign in with POST /api/v1/auth/login and send the token as "Authorization: Bearer <token>".');
    const now = deps.clock();
    if (token.startsWith(API_TOKEN_PREFIX)) {
      const staff = await apiTokenStaff(deps.store, token, now);
      if (!staff) throw unauthenticated('This API token is unknown or revoked; ask an admin for a new one.');
      setCurrentStaff(res, staff);
      return next();
    }
    const claims = deps.tokens.verify(token, now);
    if (!claims) throw unauthenticated('The token is invalid or expired; sign in again.');
    if (await deps.redis.exists(revokedKey(claims.jti))) throw unauthenticated('This token was signed out; sign in again.');
    const staff = await sessionStaff(deps.store, claims.staffId, claims.generation);
    if (!staff) throw unauthenticated('The account is disabled or its tokens were revoked; sign in again.');
    res.locals.session = claims;
    setCurrentStaff(res, staff);
    next();
  };
}

/**
 * Failed sign-ins per username and per address within a window; past the limit the next try
 * is refused without checking the password, so guessing is slow whoever does it.
 */
export function loginLimiter(redis: Redis, limits = { perUsername: 5, perAddress: 30, windowSeconds: 900 }) {
  const keys = (username: string, address: string) => [`login-fail:user:${username.toLowerCase()}`, `login-fail:addr:${address}`] as const;
  return {
    async check(username: string, address: string): Promise<void> {
      const [userKey, addressKey] = keys(username, address);
      const [userFailures, addressFailures] = (await redis.mget(userKey, addressKey)).map((value) => Number(value ?? 0));
      if (userFailures! >= limits.perUsername || addressFailures! >= limits.perAddress) {
        const ttl = Math.max(await redis.ttl(userFailures! >= limits.perUsername ? userKey : addressKey), 1);
        throw new DomainError('AUTH.RATE_LIMITED', `Too many failed sign-ins; try again in ${Math.ceil(ttl / 60)} minute(s).`, { retryAfterSeconds: ttl });
      }
    },
    async failed(username: string, address: string): Promise<void> {
      const multi = redis.multi();
      for (const key of keys(username, address)) multi.incr(key).expire(key, limits.windowSeconds, 'NX');
      await multi.exec();
    },
    async succeeded(username: string): Promise<void> {
      await redis.del(keys(username, '')[0]);
    },
  };
}
export type LoginLimiter = ReturnType<typeof loginLimiter>;
