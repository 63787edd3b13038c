import { z } from 'zod';
import type { Store } from '../../application/ports';
import { signIn } from '../../application/staff-accounts';
import { revokeSession, SESSION_COOKIE, type LoginLimiter } from './authenticate';
import type { Redis } from 'ioredis';
import { staffSchema } from './api-schemas';
import { defineRoute, type ApiRoute } from './route-registry';
import type { SessionClaims, SessionTokens } from './session-tokens';

export interface AuthRouteDeps {
  store: Store;
  tokens: SessionTokens;
  limiter: LoginLimiter;
  redis: Redis;
  clock: () => Date;
  /** Marks the session cookie Secure (served over https). */
  secureCookie: boolean;
}

export function authRoutes(deps: AuthRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/auth/login',
      summary: 'Sign in with a username and password; returns a short-lived token',
      description: 'Send the token as "Authorization: Bearer <token>". Five failures for one username within 15 minutes lock it for the rest of the window.',
      tag: 'Auth',
      roles: 'public',
      body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
      response: {
        status: 200,
        description: 'Signed in',
        schema: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: z.string(), staff: staffSchema }),
      },
      handler: async ({ body, req, res }) => {
        const address = req.ip ?? 'unknown';
        await deps.limiter.check(body.username, address);
        const now = deps.clock();
        let signedIn;
        try {
          signedIn = await signIn(deps.store, body, now);
        } catch (error) {
          await deps.limiter.failed(body.username, address);
          throw error;
        }
        await deps.limiter.succeeded(body.username);
        const { staff, sessionGeneration } = signedIn;
        const issued = deps.tokens.issue(staff, sessionGeneration, now);
        // The browser pages under /admin (the queue board) read the same token from a cookie only they receive.
        res.cookie(SESSION_COOKIE, issued.token, { httpOnly: true, sameSite: 'strict', secure: deps.secureCookie, path: '/admin', expires: issued.expiresAt });
        return { token: issued.token, tokenType: 'Bearer' as const, expiresAt: issued.expiresAt.toISOString(), staff };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/logout',
      summary: 'Sign out: this token stops working at once',
      tag: 'Auth',
      roles: ['admin', 'supervisor', 'agent', 'auditor'],
      response: { status: 204, description: 'Signed out' },
      handler: async ({ res }) => {
        const claims = res.locals.session as SessionClaims | undefined;
        if (claims) await revokeSession(deps.redis, claims, deps.clock());
        res.clearCookie(SESSION_COOKIE, { path: '/admin' });
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/revoke-all',
      summary: 'Sign out everywhere: every token issued to you so far stops working',
      tag: 'Auth',
      roles: ['admin', 'supervisor', 'agent', 'auditor'],
      response: { status: 204, description: 'Every earlier token revoked' },
      handler: async ({ staff }) => {
        const now = deps.clock();
        await deps.store.staff.revokeTokens(staff.id);
        await deps.store.audit.add({ at: now, staffId: staff.id, action: 'tokens_revoked', caseId: null, data: { memberId: staff.id } });
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/auth/me',
      summary: 'Who this token belongs to',
      tag: 'Auth',
      roles: ['admin', 'supervisor', 'agent', 'auditor'],
      response: { status: 200, description: 'The signed-in staff member', schema: staffSchema },
      handler: async ({ staff }) => staff,
    }),
  ];
}

