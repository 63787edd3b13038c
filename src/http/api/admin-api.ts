import { json, Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import swaggerUi from 'swagger-ui-express';
import type { ConversationDeps } from '../../application/conversation-service';
import type { StaffDeskDeps } from '../../application/staff-desk';
import type { Policy } from '../../config/policy.schema';
import { DomainError } from '../../domain/errors';
import { adminRoutes, type AdminRouteDeps } from './admin.routes';
import { authenticate, loginLimiter } from './authenticate';
import { authRoutes } from './auth.routes';
import { caseRoutes } from './case.routes';
import { monthQuery, reportRoutes } from './report.routes';
import { monthlyReport, monthOf, type ReportDeps } from '../../application/reports';
import { monthlyReportHtml } from '../reports/monthly-report.html';
import { currentStaff, mountRoutes, openApiDocument, type ApiRoute } from './route-registry';
import type { SessionTokens } from './session-tokens';

export const QUEUE_BOARD_PATH = '/admin/queues';
export const MONTHLY_REPORT_PATH = '/admin/reports/monthly.html';

export interface AdminApiDeps {
  conversations: ConversationDeps;
  staffDesk: StaffDeskDeps;
  policy: Policy;
  redis: Redis;
  tokens: SessionTokens;
  clock: () => Date;
  secureCookie: boolean;
  deadLetters?: AdminRouteDeps['deadLetters'];
  /** Bull Board, for admins; absent when this process runs no queues. */
  queueBoard?: Router;
}

function reportDeps(deps: AdminApiDeps): ReportDeps {
  return { store: deps.conversations.cases.store, calendar: deps.conversations.cases.calendar, categories: deps.policy.categories };
}

export function apiRoutes(deps: AdminApiDeps): ApiRoute[] {
  const store = deps.conversations.cases.store;
  return [
    ...authRoutes({ store, tokens: deps.tokens, limiter: loginLimiter(deps.redis), redis: deps.redis, clock: deps.clock, secureCookie: deps.secureCookie }),
    ...caseRoutes({ conversations: deps.conversations, timeZone: deps.policy.timeZone, clock: deps.clock }),
    ...reportRoutes({ reports: reportDeps(deps), clock: deps.clock }),
    ...adminRoutes({ conversations: deps.conversations, staffDesk: deps.staffDesk, policy: deps.policy, clock: deps.clock, ...(deps.deadLetters ? { deadLetters: deps.deadLetters } : {}) }),
  ];
}

/** The admin API under /api/v1, its OpenAPI document and Swagger UI, and the queue board. */
export function createAdminApi(deps: AdminApiDeps): Router {
  const store = deps.conversations.cases.store;
  const authDeps = { store, tokens: deps.tokens, redis: deps.redis, clock: deps.clock };
  const routes = apiRoutes(deps);
  const document = openApiDocument(routes, {
    title: 'Complaint intake admin API',
    version: '1',
    description: 'Cases, staff, departments and routing. Sign in with POST /api/v1/auth/login, then press Authorize and paste the token.',
  });

  const v1 = Router();
  v1.use(json({ limit: '1mb' }));
  mountRoutes(v1, routes, authenticate(authDeps));

  const router = Router();
  router.use('/api/v1', v1);
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/openapi.json', persistAuthorization: true } }));
  // The printable monthly report, opened from a browser (the session cookie) or from the link in a chat brief.
  router.get(MONTHLY_REPORT_PATH, authenticate(authDeps, { allowCookie: true }), async (req, res) => {
    const query = monthQuery.safeParse(req.query);
    if (!query.success) throw new DomainError('REQUEST.INVALID', 'month must be YYYY-MM, e.g. 2026-11.', { where: 'query' });
    const month = query.data.month ?? monthOf(deps.clock(), deps.policy.timeZone);
    const report = await monthlyReport(reportDeps(deps), currentStaff(res)!, month, deps.clock());
    res.status(200).type('text/html; charset=utf-8').set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'").send(monthlyReportHtml(report));
  });
  if (deps.queueBoard) {
    const adminsOnly: RequestHandler = (_req, res, next) => {
      if (currentStaff(res)?.role !== 'admin') throw new DomainError('AUTH.FORBIDDEN', 'The queue board is for admins.');
      next();
    };
    router.use(QUEUE_BOARD_PATH, authenticate(authDeps, { allowCookie: true }), adminsOnly, deps.queueBoard);
  }
  return router;
}
