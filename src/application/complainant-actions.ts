import type { Case } from '../domain/case';
import { transition } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import { pauseClock, resumeClock, startClock } from '../domain/sla';
import { resolveDuration } from './case-clocks';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';
import type { Repositories } from './ports';

/** The complainant may act only on their own cases; anyone else is told the case does not exist. */
async function lockOwnCase(repos: Repositories, caseId: string, identityId: string): Promise<Case> {
  const record = await lockCase(repos, caseId);
  if (record.complainantIdentityId !== identityId) {
    throw new DomainError('CASE.NOT_FOUND', 'No such case among your cases.', { caseId });
  }
  return record;
}

export interface RateCaseInput {
  caseId: string;
  identityId: string;
  satisfied: boolean;
  /** 1-5 when given as a score. */
  score: number | null;
  reason: string | null;
}

/**
 * The return visit (回访): satisfied closes the case; unsatisfied reopens it for investigation,
 * and a second "unsatisfied" escalates it to senior management.
 */
export async function rateCase(deps: CaseServiceDeps, input: RateCaseInput, now: Date): Promise<Case> {
  const { saved, events } = await deps.store.transaction(async (repos) => {
    const record = await lockOwnCase(repos, input.caseId, input.identityId);
    const action = input.satisfied ? 'close' : 'reopen';
    const to = transition(record.status, action);
    const earlierUnsatisfied = (await repos.events.listForCase(record.id)).filter((e) => e.type === 'rated' && e.data.satisfied === false).length;
    const escalate = !input.satisfied && earlierUnsatisfied >= 1;
    const sla = { ...record.sla };
    if (sla.returnVisit) sla.returnVisit = pauseClock(deps.calendar, sla.returnVisit, now);
    if (!input.satisfied) sla.resolve = startClock(deps.calendar, resolveDuration(deps.policy, record), now);
    const saved = await saveCase(repos, { ...record, status: to, sla, escalationLevel: escalate ? 3 : record.escalationLevel, updatedAt: now });

    const actor = { kind: 'complainant' as const, identityId: input.identityId };
    await repos.events.append([
      { caseId: saved.id, at: now, type: 'rated', actor, data: { satisfied: input.satisfied, score: input.score, reason: input.reason } },
      { caseId: saved.id, at: now, type: 'status_changed', actor, data: { from: record.status, to, action, reason: input.reason } },
      ...(escalate ? [{ caseId: saved.id, at: now, type: 'escalated', actor: { kind: 'system' as const }, data: { level: 3, reasons: ['unsatisfied_twice'] } }] : []),
    ]);
    if (saved.assigneeId) {
      await repos.outbox.add([
        { caseId: saved.id, recipient: { kind: 'staff', staffId: saved.assigneeId }, kind: 'case_rated', payload: { number: saved.number, satisfied: input.satisfied, score: input.score, reason: input.reason } },
      ]);
    }
    const events: DomainEvent[] = [{ type: 'CaseStatusChanged', caseId: saved.id, number: saved.number, from: record.status, to, action, at: now }];
    if (escalate) events.push({ type: 'CaseEscalated', caseId: saved.id, number: saved.number, level: 3, reason: 'unsatisfied_twice', at: now });
    return { saved, events };
  });
  await deps.events.publish(events);
  return saved;
}

export interface ProvideInformationInput {
  caseId: string;
  identityId: string;
  text: string | null;
  attachmentIds: readonly string[];
}

/** The complainant's answer to a staff request: kept on the timeline, and the clock runs again. */
export async function provideInformation(deps: CaseServiceDeps, input: ProvideInformationInput, now: Date): Promise<Case> {
  const { saved, events } = await deps.store.transaction(async (repos) => {
    const record = await lockOwnCase(repos, input.caseId, input.identityId);
    const waiting = record.status === 'awaiting_complainant';
    const to = waiting ? transition(record.status, 'receiveInformation') : record.status;
    const sla = { ...record.sla };
    if (waiting && sla.resolve) sla.resolve = resumeClock(deps.calendar, sla.resolve, now);
    const saved = await saveCase(repos, { ...record, status: to, sla, updatedAt: now });
    if (input.attachmentIds.length) await repos.attachments.attachToCase(input.attachmentIds, saved.id);

    const actor = { kind: 'complainant' as const, identityId: input.identityId };
    await repos.events.append([
      { caseId: saved.id, at: now, type: 'information_received', actor, data: { text: input.text, attachmentIds: [...input.attachmentIds] } },
      ...(waiting ? [{ caseId: saved.id, at: now, type: 'status_changed', actor, data: { from: record.status, to, action: 'receiveInformation', reason: null } }] : []),
    ]);
    if (saved.assigneeId) {
      await repos.outbox.add([
        { caseId: saved.id, recipient: { kind: 'staff', staffId: saved.assigneeId }, kind: 'information_received', payload: { number: saved.number, text: input.text, attachmentIds: [...input.attachmentIds] } },
      ]);
    }
    const events: DomainEvent[] = waiting ? [{ type: 'CaseStatusChanged', caseId: saved.id, number: saved.number, from: record.status, to, action: 'receiveInformation', at: now }] : [];
    return { saved, events };
  });
  await deps.events.publish(events);
  return saved;
}
