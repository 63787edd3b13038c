import { Queue, Worker, type Job } from 'bullmq';
import { closeQueueParts } from './close-queue';
import type { Redis } from 'ioredis';
import type { CaseServiceDeps } from '../application/case-service';
import { deliverDueReports } from '../application/reports-delivery';
import type { QueueLog } from './queue-log';

export const REPORT_QUEUE = 'reports';
const REPORT_JOB = 'report-delivery';
const REPORT_SCHEDULER = 'daily-report-delivery';
// Policy §5: reports reach the managers at the start of the working day.
const REPORT_CRON = '0 9 * * *';
// A period's claim outlives any retry of its job; monthly periods come back a year later under another key.
const CLAIM_TTL_SECONDS = 40 * 86_400;

export interface ReportScheduleOptions {
  /** Needs `maxRetriesPerRequest: null` and no ioredis keyPrefix (BullMQ's own `prefix` is used). */
  connection: Redis;
  cases: CaseServiceDeps;
  log: QueueLog;
  /** PUBLIC_URL: the briefs link to `${publicUrl}/admin/reports/monthly.html?month=YYYY-MM`. */
  publicUrl?: string;
  clock?: () => Date;
  prefix?: string;
  /** Run the job in this process (the worker role). Default true. */
  worker?: boolean;
}

export interface ReportSchedule {
  queue: Queue<Record<string, never>, { sent: number }, string>;
  worker: Worker<Record<string, never>, { sent: number }, string> | undefined;
  /** The daily 09:00 run in the policy's time zone (idempotent). */
  schedule(): Promise<void>;
  /** One run now, as the scheduler would do it: sends what is due today and not yet sent. */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Daily at 09:00 (policy time zone): on the first working day of a month the previous month's
 * report, on Mondays the previous week's brief, to every department manager and the leadership,
 * through the outbox. Each (period, recipient) is claimed once in Redis, so reruns send nothing twice.
 */
export function createReportSchedule(options: ReportScheduleOptions): ReportSchedule {
  const { connection, cases, log } = options;
  const clock = options.clock ?? (() => new Date());
  const prefix = options.prefix ?? 'complaints';
  const claimKey = (key: string) => `${prefix}:report-sent:${key}`;

  const runOnce = () =>
    deliverDueReports(
      {
        store: cases.store,
        calendar: cases.calendar,
        categories: cases.policy.categories,
        ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
        claim: async (key) => (await connection.set(claimKey(key), '1', 'EX', CLAIM_TTL_SECONDS, 'NX')) === 'OK',
        release: async (key) => {
          await connection.del(claimKey(key));
        },
      },
      clock(),
    );

  const queue = new Queue<Record<string, never>, { sent: number }, string>(REPORT_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { age: 30 * 86_400 }, removeOnFail: { age: 30 * 86_400 } },
  });
  queue.on('error', (error) => log.error({ err: error }, 'report queue error'));

  let worker: ReportSchedule['worker'];
  if (options.worker ?? true) {
    worker = new Worker<Record<string, never>, { sent: number }, string>(REPORT_QUEUE, async (_job: Job) => ({ sent: await runOnce() }), { connection, prefix, concurrency: 1 });
    worker.on('failed', (job, error) => log.warn({ jobId: job?.id, reason: error.message }, 'report delivery failed; will retry'));
    worker.on('error', (error) => log.error({ err: error }, 'report worker error'));
  }

  return {
    queue,
    worker,
    async schedule() {
      await queue.upsertJobScheduler(REPORT_SCHEDULER, { pattern: REPORT_CRON, tz: cases.policy.timeZone }, { name: REPORT_JOB, data: {} });
    },
    runOnce,
    close: () => closeQueueParts(worker, queue as Queue),
  };
}
