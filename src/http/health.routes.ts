import { Router } from 'express';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<Record<string, unknown> | void>;
}

export interface HealthOptions {
  checks: readonly ReadinessCheck[];
  /** Which channels are on; shown so an operator sees at once what this deployment serves. */
  channels: Record<string, boolean>;
  role: string;
  /** Each check must answer within this, or counts as down. */
  timeoutMs?: number;
}

/** `/healthz`: the process is alive. `/readyz`: it can serve (database and Redis answer). */
export function healthRoutes(options: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          const details = await withTimeout(check(), options.timeoutMs ?? 2000);
          return [name, { ok: true, ...(details ?? {}) }] as const;
        } catch (error) {
          return [name, { ok: false, error: (error as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      role: options.role,
      checks: Object.fromEntries(results),
      channels: options.channels,
    });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
