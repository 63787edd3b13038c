import type { Actor, Case } from '../domain/case';
import { transition, type CaseAction } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { pauseClock, resumeClock, startClock } from '../domain/sla';
import { resolveDuration, stopFirstResponseClocks } from './case-clocks';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';
import type { Repositories } from './ports';

export interface ChangeStatusInput {
  caseId: string;
  action: CaseAction;
  actor: Actor;
  /** Shown to the complainant for reject, requestInformation and resolve; kept on the timeline. */
  reason?: string;
  /** A reason the system gives in the complainant's own language: a key under notify.reason. */
  reasonKey?: string;
}

/** Moves a case through its lifecycle, keeps the SLA clocks in step and tells the complainant. */
export async function changeStatus(deps: CaseServiceDeps, input: ChangeStatusInput, now: Date): Promise<Case> {
  const { saved, event } = await deps.store.transaction(async (repos) => changeLockedStatus(deps, repos, await lockCase(repos, input.caseId), input, now));
  await deps.events.publish([event]);
  return saved;
}

/** The status change inside a transaction that already holds the case; the caller publishes the event. */
export async function changeLockedStatus(
  deps: CaseServiceDeps,
  repos: Repositories,
  record: Case,
  input: ChangeStatusInput,
  now: Date,
): Promise<{ saved: Case; event: DomainEvent }> {
  const to = transition(record.status, input.action);
  const saved = await saveCase(repos, { ...record, status: to, sla: nextClocks(deps, record, input.action, now), updatedAt: now });
  const reasonKey = input.reasonKey ?? null;

  await repos.events.append([
    { caseId: saved.id, at: now, type: 'status_changed', actor: input.actor, data: { from: record.status, to, action: input.action, reason: input.reason ?? null, ...(reasonKey ? { reasonKey } : {}) } },
  ]);
  if (saved.complainantIdentityId) {
    await repos.outbox.add([
      {
        caseId: saved.id,
        recipient: { kind: 'identity', identityId: saved.complainantIdentityId },
        kind: 'status_changed',
        payload: { number: saved.number, status: to, reason: input.reason ?? null, ...(reasonKey ? { reasonKey } : {}) },
      },
    ]);
  }
  const event: DomainEvent = { type: 'CaseStatusChanged', caseId: saved.id, number: saved.number, from: record.status, to, action: input.action, at: now };
  return { saved, event };
}

/**
 * Acknowledgement ends when the case is accepted or rejected; resolution pauses while the
 * complainant owes an answer and ends at resolution; the return visit (回访) runs from then.
 * Rejecting, asking and resolving all speak to the complainant, which ends the first-response clocks.
 */
function nextClocks({ calendar, policy }: CaseServiceDeps, record: Case, action: CaseAction, now: Date): Case['sla'] {
  let sla = { ...record.sla };
  const stop = (name: keyof Case['sla']) => {
    const clock = sla[name];
    if (clock) sla[name] = pauseClock(calendar, clock, now);
  };
  switch (action) {
    case 'accept':
      stop('acknowledge');
      break;
    case 'reject':
      stop('acknowledge');
      stop('resolve');
      sla = stopFirstResponseClocks(calendar, sla, now);
      break;
    case 'requestInformation':
      stop('resolve');
      sla = stopFirstResponseClocks(calendar, sla, now);
      break;
    case 'receiveInformation':
      if (sla.resolve) sla.resolve = resumeClock(calendar, sla.resolve, now);
      break;
    case 'resolve':
      stop('resolve');
      sla = stopFirstResponseClocks(calendar, sla, now);
      sla.returnVisit = startClock(calendar, policy.sla.returnVisit, now);
      break;
    case 'reopen':
      stop('returnVisit');
      sla.resolve = startClock(calendar, resolveDuration(policy, record), now);
      break;
    case 'close':
      stop('returnVisit');
      break;
    case 'withdraw':
      for (const name of Object.keys(sla) as Array<keyof Case['sla']>) stop(name);
      break;
    case 'startInvestigation':
      break;
  }
  return sla;
}
