import express, { type Express, type Router } from 'express';
import type { Logger } from '../logger';
import { errorHandler, notFoundHandler } from './error-handler';
import { healthRoutes, type HealthOptions } from './health.routes';
import type { Metrics } from './metrics';

export interface HttpAppOptions {
  logger: Logger;
  /** Served at /metrics, and times every request. */
  metrics?: Metrics;
  health: HealthOptions;
  /** Channel webhooks and APIs, mounted before the 404 handler. */
  routes?: readonly Router[];
}

/** The Express application: health now; the admin API and channel webhooks mount here. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  if (options.metrics) {
    app.use(options.metrics.timeRequests);
    app.use(options.metrics.routes());
  }
  app.use(healthRoutes(options.health));
  for (const router of options.routes ?? []) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
