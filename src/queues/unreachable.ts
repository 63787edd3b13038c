import type { NotificationJob } from '../application/notifications';
import type { Store } from '../application/ports';
import type { QueueLog } from './queue-log';

/**
 * What to do when a channel says the person blocked the bot or left: mark the identity so the
 * relay stops addressing it, and, when it is the complainant of a case that has a handler, tell
 * the handler once per case (in the same transaction, under the case's row lock, so two jobs
 * failing at once do not both write the notice).
 */
export function reportUnreachable(store: Pick<Store, 'transaction'>, log?: QueueLog): (job: NotificationJob) => Promise<void> {
  return async (job) => {
    await store.transaction(async (repos) => {
      await repos.identities.markUnreachable(job.identityId);
      if (!job.caseId) return;
      const record = await repos.cases.getForUpdate(job.caseId);
      if (!record || record.complainantIdentityId !== job.identityId || !record.assigneeId) return;
      if (await repos.outbox.existsForCase(record.id, 'complainant_unreachable')) return;
      await repos.outbox.add([
        { caseId: record.id, recipient: { kind: 'staff', staffId: record.assigneeId }, kind: 'complainant_unreachable', payload: { number: record.number } },
      ]);
      log?.info({ caseId: record.id, identityId: job.identityId, staffId: record.assigneeId }, 'handler told the complainant is unreachable');
    });
  };
}
