import type { ReplyRenderer } from '../application/conversation-service';
import type { NotificationJob } from '../application/notifications';
import type { ChannelIdentity, PendingOutboxMessage, Repositories, Store } from '../application/ports';
import type { Locale, Reply } from '../conversation/messages';
import type { Catalog } from '../conversation/catalog';
import { notificationSays } from '../conversation/notification-says';
import type { NotificationQueue } from './notification-queues';
import type { QueueLog } from './queue-log';

export interface OutboxRelayDeps {
  store: Pick<Store, 'transaction'>;
  renderer: Pick<ReplyRenderer, 'render'>;
  /** For recipients whose script is unknown. */
  defaultLocale: Locale;
  /** Channel → its notification queue; a channel without one has no sender, and its rows are not sent. */
  queues: ReadonlyMap<string, NotificationQueue>;
  log: QueueLog;
  clock?: () => Date;
  /** Category names for staff assignment cards. */
  catalog?: Pick<Catalog, 'categories'>;
}

export interface OutboxRelay {
  /** Moves up to `limit` committed rows into the queues in one transaction; returns how many rows it took. */
  relayOnce(limit?: number): Promise<number>;
  /** Relays every `intervalMs`, draining a backlog batch after batch. */
  start(intervalMs: number, batchSize?: number): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

type PlannedJob = { queue: NotificationQueue; name: string; data: NotificationJob; jobId: string };

/** The idempotent id of one row's message to one identity: adding it twice adds one job. */
export function notificationJobId(outboxId: number, identityId: string): string {
  return `outbox-${outboxId}-${identityId}`;
}

/**
 * Outbox → BullMQ. The rows are locked (FOR UPDATE SKIP LOCKED, so relays running side by side
 * take different rows), their jobs added under idempotent ids, and the rows marked dispatched
 * in the same transaction. A crash after adding and before the commit leaves the rows pending;
 * the next run adds the same ids again, which BullMQ ignores: each message is queued once.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { store, renderer, defaultLocale, queues, log } = deps;
  const clock = deps.clock ?? (() => new Date());

  async function relayOnce(limit = 100): Promise<number> {
    return store.transaction(async (repos) => {
      const rows = await repos.outbox.claimPending(limit);
      if (rows.length === 0) return 0;
      const planned: PlannedJob[] = [];
      for (const row of rows) {
        let jobs: PlannedJob[];
        try {
          jobs = await plan(repos, row);
        } catch (error) {
          // A row that cannot be rendered would be retried forever and hold up the rows after it.
          log.error({ err: error, outboxId: row.id, kind: row.kind }, 'outbox row could not be prepared; marked dispatched without sending');
          continue;
        }
        planned.push(...jobs);
      }
      const byQueue = new Map<NotificationQueue, PlannedJob[]>();
      for (const job of mergePerRecipient(planned)) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
      for (const [queue, jobs] of byQueue) {
        await queue.addBulk(jobs.map((job) => ({ name: job.name, data: job.data, opts: { jobId: job.jobId } })));
      }
      await repos.outbox.markDispatched(
        rows.map((row) => row.id),
        clock(),
      );
      return rows.length;
    });
  }

  async function plan(repos: Repositories, row: PendingOutboxMessage): Promise<PlannedJob[]> {
    const context = { outboxId: row.id, kind: row.kind, caseId: row.caseId };
    if (!row.recipient) {
      log.warn(context, 'outbox row names no recipient; not sent');
      return [];
    }
    const identities = await recipientsOf(repos, row.recipient);
    if (identities.length === 0) {
      log.warn({ ...context, recipient: row.recipient }, 'recipient has no channel account; not sent');
      return [];
    }
    const jobs: PlannedJob[] = [];
    const rendered = new Map<Locale, Reply[] | null>();
    for (const identity of identities) {
      const queue = queues.get(identity.channel);
      if (!queue) {
        log.warn({ ...context, identityId: identity.id, channel: identity.channel }, 'no sender on this channel; not sent');
        continue;
      }
      if (identity.unreachable) {
        log.info({ ...context, identityId: identity.id, channel: identity.channel }, 'recipient is unreachable; not sent');
        continue;
      }
      const locale: Locale = identity.locale && identity.locale !== 'unknown' ? identity.locale : defaultLocale;
      if (!rendered.has(locale)) rendered.set(locale, repliesFor(row, locale));
      const replies = rendered.get(locale);
      if (!replies || replies.length === 0) {
        log.warn(context, 'nothing to say for this kind of notification; not sent');
        return [];
      }
      jobs.push({
        queue,
        name: row.kind,
        jobId: notificationJobId(row.id, identity.id),
        data: { outboxId: row.id, caseId: row.caseId, channel: identity.channel, externalId: identity.externalId, identityId: identity.id, replies },
      });
    }
    if (jobs.length === 0 && identities.length > 0) log.warn({ ...context, recipient: row.recipient }, 'no reachable account on a channel with a sender; not sent');
    return jobs;
  }

  function repliesFor(row: PendingOutboxMessage, locale: Locale): Reply[] | null {
    if (row.kind === 'chat_replies') {
      const replies = row.payload.replies;
      if (!Array.isArray(replies)) throw new Error('chat_replies row without a replies array');
      return replies as Reply[];
    }
    const says = notificationSays(row.kind, row.payload, deps.catalog);
    return says ? renderer.render(says, locale) : null;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let started = false;

  return {
    relayOnce,
    start(intervalMs, batchSize = 100) {
      if (started) return;
      started = true;
      const tick = () => {
        running = (async () => {
          try {
            while (started && (await relayOnce(batchSize)) === batchSize) {
              // a full batch: more are waiting
            }
          } catch (error) {
            log.error({ err: error }, 'outbox relay run failed; retrying on the next tick');
          }
        })().finally(() => {
          running = undefined;
          if (started) {
            timer = setTimeout(tick, intervalMs);
            timer.unref();
          }
        });
      };
      tick();
    },
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

async function recipientsOf(repos: Repositories, recipient: NonNullable<PendingOutboxMessage['recipient']>): Promise<ChannelIdentity[]> {
  if (recipient.kind === 'identity') {
    const identity = await repos.identities.get(recipient.identityId);
    return identity ? [identity] : [];
  }
  return repos.identities.listForStaff(recipient.staffId);
}

/**
 * One job per person per batch, its messages in outbox order: jobs for the same chat may run
 * in parallel workers, so separate jobs could arrive out of order ("waiting for your answer"
 * after the question). The id names every row it carries, so a batch replayed after a crash
 * is recognised; a replay that claims more rows sends the earlier ones again (at least once).
 */
function mergePerRecipient(planned: readonly PlannedJob[]): PlannedJob[] {
  const byRecipient = new Map<string, PlannedJob[]>();
  for (const job of planned) {
    const key = `${job.data.channel}:${job.data.identityId}`;
    byRecipient.set(key, [...(byRecipient.get(key) ?? []), job]);
  }
  return [...byRecipient.values()].map((jobs) => {
    const [first] = jobs;
    if (jobs.length === 1 || !first) return first!;
    const ids = jobs.map((job) => job.data.outboxId);
    return {
      ...first,
      name: jobs.map((job) => job.name).join('+'),
      jobId: `${notificationJobId(ids[0]!, first.data.identityId)}-to-${ids.at(-1)}-n${ids.length}`,
      data: { ...first.data, outboxIds: ids, replies: jobs.flatMap((job) => job.data.replies) },
    };
  });
}
