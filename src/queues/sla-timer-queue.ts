import { DelayedError, Queue, Worker, type DefaultJobOptions, type Job } from 'bullmq';
import { closeQueueParts } from './close-queue';
import type { Redis } from 'ioredis';
import { timerPolicy } from '../application/case-clocks';
import type { ConversationDeps } from '../application/conversation-service';
import type { EventBus } from '../application/event-bus';
import type { Store } from '../application/ports';
import { sendProgressUpdates } from '../application/progress-updates';
import { handleSlaTimer, type SlaTimerInput } from '../application/sla-timers';
import type { Case } from '../domain/case';
import type { DomainEventType } from '../domain/domain-events';
import { slaTimers, type SlaTimer } from '../domain/sla-timers';
import type { QueueLog } from './queue-log';

export const SLA_TIMER_QUEUE = 'sla-timers';
const TIMER_JOB = 'sla-timer';
const PROGRESS_JOB = 'progress-updates';
const PROGRESS_SCHEDULER = 'daily-progress-updates';
// Policy §5: complex cases hear of their progress every working day; sent at the end of the working afternoon.
const PROGRESS_CRON = '0 17 * * *';
const RECONCILE_PAGE = 200;

type SlaJobData = SlaTimerInput | Record<string, never>;
/** What a finished job returns (kept on completed jobs for inspection). */
export type SlaJobResult = { outcome: 'fired' | 'stale' } | { progressUpdatesSent: number };
export type SlaTimerQueue = Queue<SlaJobData, SlaJobResult, string>;

/** Domain events after which a case's timers may have changed: clocks started, resumed, or given another limit. */
export const RESCHEDULING_EVENTS = ['CaseSubmitted', 'CaseAssigned', 'CaseStatusChanged', 'CaseEscalated', 'CaseDeadlinesChanged'] as const satisfies readonly DomainEventType[];

export interface SlaTimerOptions {
  /** Needs `maxRetriesPerRequest: null` and no ioredis keyPrefix (BullMQ's own `prefix` is used). */
  connection: Redis;
  deps: ConversationDeps;
  log: QueueLog;
  /** The time the timers are measured against; tests move it by hand. Default: the system clock. */
  clock?: () => Date;
  /** BullMQ key prefix, shared with the other queues. Default `complaints`. */
  prefix?: string;
  /** Fire timers in this process (the worker role). Default true; producers alone need no worker. */
  worker?: boolean;
  concurrency?: number;
}

export interface SlaTimers {
  queue: SlaTimerQueue;
  worker: Worker<SlaJobData, SlaJobResult, string> | undefined;
  /** Adds a delayed job per timer; a timer already queued (same case, clock, kind and instant) is not added twice. */
  schedule(caseId: string, timers: readonly SlaTimer[]): Promise<void>;
  /** Schedules the timers the case's clocks have now. */
  scheduleCase(record: Case): Promise<void>;
  /**
   * Schedules the timers of every case with a running clock, page by page. Run at start in the
   * scheduler role: a crash between a commit and its scheduling loses no timer. Returns the cases seen.
   */
  reconcile(store?: Pick<Store, 'cases'>): Promise<number>;
  /** The daily progress run for complex cases, at 17:00 in the policy's time zone (idempotent). */
  scheduleProgressUpdates(): Promise<void>;
  /** Waits for the jobs in flight, then disconnects. */
  close(): Promise<void>;
}

/** Stable, and free of ':' (BullMQ refuses it in custom ids): the same timer always gets the same job. */
export function slaTimerJobId(caseId: string, timer: SlaTimer): string {
  return `sla-${caseId}-${timer.clock}-${timer.kind}-${timer.at.getTime()}`;
}

export function slaTimerJobOptions(): DefaultJobOptions {
  return {
    // A database that is away for minutes must not lose a breach: retries span about an hour.
    attempts: 10,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 7 * 86_400 },
    removeOnFail: { age: 30 * 86_400 },
  };
}

/** SLA timers as delayed BullMQ jobs, fired through `handleSlaTimer`, plus the daily progress run. */
export function createSlaTimers(options: SlaTimerOptions): SlaTimers {
  const { connection, deps, log } = options;
  const clock = options.clock ?? (() => new Date());
  const prefix = options.prefix ?? 'complaints';
  const { calendar, policy } = deps.cases;

  const queue: SlaTimerQueue = new Queue<SlaJobData, SlaJobResult, string>(SLA_TIMER_QUEUE, { connection, prefix, defaultJobOptions: slaTimerJobOptions() });
  // An 'error' event without a listener would crash the process (Redis restarting, shutdown).
  queue.on('error', (error) => log.error({ err: error }, 'sla timer queue error'));

  function jobsFor(caseId: string, timers: readonly SlaTimer[]) {
    const now = clock().getTime();
    return timers.map((timer) => ({
      name: TIMER_JOB,
      data: { caseId, clock: timer.clock, kind: timer.kind, at: timer.at.toISOString() } satisfies SlaTimerInput,
      opts: { jobId: slaTimerJobId(caseId, timer), delay: Math.max(0, timer.at.getTime() - now) },
    }));
  }

  const timersOf = (record: Case) => slaTimers(record, calendar, timerPolicy(policy));

  async function schedule(caseId: string, timers: readonly SlaTimer[]): Promise<void> {
    if (timers.length > 0) await queue.addBulk(jobsFor(caseId, timers));
  }

  async function reconcile(store: Pick<Store, 'cases'> = deps.cases.store): Promise<number> {
    let seen = 0;
    let after: string | undefined;
    for (;;) {
      const page = await store.cases.listWithRunningClocks(RECONCILE_PAGE, after);
      const jobs = page.flatMap((record) => jobsFor(record.id, timersOf(record)));
      if (jobs.length > 0) await queue.addBulk(jobs);
      seen += page.length;
      const last = page.at(-1);
      if (page.length < RECONCILE_PAGE || !last) break;
      after = last.id;
    }
    log.info({ cases: seen }, 'sla timers reconciled');
    return seen;
  }

  async function run(job: Job<SlaJobData, SlaJobResult, string>, token?: string): Promise<SlaJobResult> {
    if (job.name === PROGRESS_JOB) return { progressUpdatesSent: await sendProgressUpdates(deps.cases, clock()) };
    const timer = job.data as SlaTimerInput;
    const outcome = await handleSlaTimer(deps, timer, clock());
    if (typeof outcome === 'string') return { outcome };
    // Due later than it ran (clocks disagree): back to the delayed set without counting an attempt.
    await job.moveToDelayed(Date.now() + Math.max(0, outcome.early.getTime() - clock().getTime()), token);
    throw new DelayedError();
  }

  let worker: SlaTimers['worker'];
  if (options.worker ?? true) {
    worker = new Worker<SlaJobData, SlaJobResult, string>(SLA_TIMER_QUEUE, run, { connection, prefix, concurrency: options.concurrency ?? 5 });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const fields = { jobId: job.id, name: job.name, attemptsMade: job.attemptsMade, reason: error.message };
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) log.error(fields, 'sla timer failed for good; the next reconcile schedules it again');
      else log.warn(fields, 'sla timer failed; will retry');
    });
    worker.on('error', (error) => log.error({ err: error }, 'sla timer worker error'));
  }

  return {
    queue,
    worker,
    schedule,
    scheduleCase: (record) => schedule(record.id, timersOf(record)),
    reconcile,
    async scheduleProgressUpdates() {
      await queue.upsertJobScheduler(PROGRESS_SCHEDULER, { pattern: PROGRESS_CRON, tz: policy.timeZone }, { name: PROGRESS_JOB, data: {} });
    },
    close: () => closeQueueParts(worker, queue as Queue),
  };
}

/**
 * Keeps the queue in step with the cases: after each change that can start, resume or move a
 * clock, the case's timers are scheduled again (ones already queued are not added twice; ones the
 * change made stale fire and do nothing). Returns the unsubscribe function.
 */
export function subscribeTimers(events: EventBus, store: Pick<Store, 'cases'>, timers: Pick<SlaTimers, 'scheduleCase'>): () => void {
  const reschedule = async (event: { caseId: string }) => {
    const record = await store.cases.get(event.caseId);
    if (record) await timers.scheduleCase(record);
  };
  const unsubscribe = RESCHEDULING_EVENTS.map((type) => events.subscribe(type, reschedule));
  return () => unsubscribe.forEach((stop) => stop());
}
