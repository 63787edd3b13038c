import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../application/event-bus';

/** Prometheus metrics: the process, HTTP requests, and what happens to cases. One registry per app. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const casesSubmitted = new Counter({ name: 'complaints_cases_submitted_total', help: 'Cases filed, by severity', labelNames: ['severity'] as const, registers: [registry] });
  const statusChanges = new Counter({ name: 'complaints_status_changes_total', help: 'Case status changes, by new status', labelNames: ['status'] as const, registers: [registry] });
  const escalations = new Counter({ name: 'complaints_escalations_total', help: 'Escalations, by reason', labelNames: ['reason'] as const, registers: [registry] });

  /** Times every request; the route pattern (not the path) keeps case numbers out of the labels. */
  const timeRequests: RequestHandler = (req, res, next) => {
    const end = requestSeconds.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };

  return {
    registry,
    timeRequests,
    /** Counts what the use cases publish after they commit. */
    observe(events: EventBus): void {
      events.subscribe('CaseSubmitted', (event) => void casesSubmitted.inc({ severity: event.severity }));
      events.subscribe('CaseStatusChanged', (event) => void statusChanges.inc({ status: event.to }));
      events.subscribe('CaseEscalated', (event) => void escalations.inc({ reason: event.reason }));
    },
    routes(): Router {
      const router = createRouter();
      router.get('/metrics', async (_req, res) => {
        res.type(registry.contentType).send(await registry.metrics());
      });
      return router;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
