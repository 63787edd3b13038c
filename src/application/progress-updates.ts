import type { Case } from '../domain/case';
import { isOpen } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { isWorkingDay, localDateAt } from '../domain/working-calendar';
import type { CaseServiceDeps } from './case-service';
import { lockCase } from './load-case';
import type { Repositories } from './ports';

const PAGE_SIZE = 100;

/**
 * Complex cases tell the complainant how they stand every working day (policy §5). Run once a
 * day or more: each case gets one update per local date, checked on its timeline under the case
 * lock, so a retried or overlapping run sends nothing twice. Returns how many were sent.
 */
export async function sendProgressUpdates(deps: CaseServiceDeps, now: Date): Promise<number> {
  const today = localDateAt(deps.calendar, now);
  if (!isWorkingDay(deps.calendar, today)) return 0;
  let sent = 0;
  const failures: unknown[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.cases.listOpenComplex(PAGE_SIZE, after);
    for (const candidate of page) {
      if (!owesProgress(candidate)) continue;
      try {
        const event = await deps.store.transaction((repos) => reportProgress(repos, candidate.id, today, now));
        if (event) {
          sent += 1;
          await deps.events.publish([event]);
        }
      } catch (error) {
        failures.push(error);
      }
    }
    const last = page.at(-1);
    if (page.length < PAGE_SIZE || !last) break;
    after = last.id;
  }
  // One broken case must not cost the others their update; the run fails afterwards so it is retried.
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} progress update(s) failed; the run can be repeated safely`);
  return sent;
}

/** Open, complex, reachable in chat, and not waiting for the complainant's own answer. */
function owesProgress(record: Case): boolean {
  return isOpen(record.status) && record.status !== 'awaiting_complainant' && record.complex && record.complainantIdentityId !== null;
}

async function reportProgress(repos: Repositories, caseId: string, today: string, now: Date): Promise<DomainEvent | null> {
  const record = await lockCase(repos, caseId);
  if (!owesProgress(record)) return null;
  const timeline = await repos.events.listForCase(record.id);
  if (timeline.some((event) => event.type === 'progress_update' && event.data.date === today)) return null;
  await repos.events.append([{ caseId: record.id, at: now, type: 'progress_update', actor: { kind: 'system' }, data: { date: today } }]);
  await repos.outbox.add([
    {
      caseId: record.id,
      recipient: { kind: 'identity', identityId: record.complainantIdentityId! },
      kind: 'progress_update',
      payload: { number: record.number, status: record.status, resolveBy: record.sla.resolve?.deadline ?? null },
    },
  ]);
  return { type: 'CaseProgressReported', caseId: record.id, number: record.number, at: now };
}
