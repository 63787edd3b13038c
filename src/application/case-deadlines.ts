import type { Actor, Case } from '../domain/case';
import { isOpen, isTerminal } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import { changeDuration } from '../domain/sla';
import { resolveDuration } from './case-clocks';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';
import { requiredText } from './required-text';

export interface MarkComplexInput {
  caseId: string;
  actor: Actor;
  complex: boolean;
}

/**
 * A complex case (复杂投诉) has 5 working days instead of 3, counted from the same start, and the
 * complainant hears of its progress every working day (policy §5). Reports keep their own limit.
 */
export async function markComplex(deps: CaseServiceDeps, input: MarkComplexInput, now: Date): Promise<Case> {
  const result = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    if (isTerminal(record.status)) {
      throw new DomainError('CASE.FINISHED', `Case ${record.number} is ${record.status}; only a case still being handled can be marked complex.`, { status: record.status });
    }
    if (record.complex === input.complex) return { saved: record, changed: false };
    const sla = { ...record.sla };
    if (sla.resolve && record.type !== 'report') sla.resolve = changeDuration(deps.calendar, sla.resolve, resolveDuration(deps.policy, { ...record, complex: input.complex }));
    const saved = await saveCase(repos, { ...record, complex: input.complex, sla, updatedAt: now });
    await repos.events.append([
      { caseId: saved.id, at: now, type: 'complexity_changed', actor: input.actor, data: { complex: input.complex, resolveBy: sla.resolve?.deadline ?? null } },
    ]);
    return { saved, changed: true };
  });
  if (result.changed) {
    const event: DomainEvent = { type: 'CaseDeadlinesChanged', caseId: result.saved.id, number: result.saved.number, reason: 'complexity', at: now };
    await deps.events.publish([event]);
  }
  return result.saved;
}

export interface ExtendReportDeadlineInput {
  caseId: string;
  actor: Actor;
  /** Told to the reporter. */
  reason: string;
}

/** A report (举报) may be extended once, from 30 to 60 days after it was filed, and the reporter is told (policy §5). */
export async function extendReportDeadline(deps: CaseServiceDeps, input: ExtendReportDeadlineInput, now: Date): Promise<Case> {
  const reason = requiredText(input.reason, 'CASE.REASON_REQUIRED', 'Say why the report needs more time; the reporter is told the reason.');
  const saved = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    if (record.type !== 'report') {
      throw new DomainError('CASE.NOT_A_REPORT', `Case ${record.number} is a ${record.type}; only reports can be extended. Mark it complex to give it the longer limit.`, {
        type: record.type,
      });
    }
    if (!isOpen(record.status) || !record.sla.resolve) {
      throw new DomainError('CASE.FINISHED', `Case ${record.number} is ${record.status}; only a report still being handled can be extended.`, { status: record.status });
    }
    if ((await repos.events.listForCase(record.id)).some((event) => event.type === 'deadline_extended')) {
      throw new DomainError('CASE.ALREADY_EXTENDED', `Report ${record.number} was already extended once, which is all the policy allows; resolve it by its deadline or escalate it.`);
    }
    const resolve = changeDuration(deps.calendar, record.sla.resolve, deps.policy.sla.resolveReportExtended);
    const saved = await saveCase(repos, { ...record, sla: { ...record.sla, resolve }, updatedAt: now });
    await repos.events.append([
      { caseId: saved.id, at: now, type: 'deadline_extended', actor: input.actor, data: { from: record.sla.resolve.deadline, to: resolve.deadline, reason } },
    ]);
    if (saved.complainantIdentityId) {
      await repos.outbox.add([
        {
          caseId: saved.id,
          recipient: { kind: 'identity', identityId: saved.complainantIdentityId },
          kind: 'deadline_extended',
          payload: { number: saved.number, deadline: resolve.deadline, reason },
        },
      ]);
    }
    return saved;
  });
  const event: DomainEvent = { type: 'CaseDeadlinesChanged', caseId: saved.id, number: saved.number, reason: 'extension', at: now };
  await deps.events.publish([event]);
  return saved;
}
