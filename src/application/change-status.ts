import type { Actor, Case } from '../domain/case';
import { transition, type CaseAction } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { pauseClock, resumeClock, startClock } from '../domain/sla';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';

export interface ChangeStatusInput {
  caseId: string;
  action: CaseAction;
  actor: Actor;
  /** Shown to the complainant for reject, requestInformation and resolve; kept on the timeline. */
  reason?: string;
}

/** Moves a case through its lifecycle, keeps the SLA clocks in step and tells the complainant. */
export async function changeStatus(deps: CaseServiceDeps, input: ChangeStatusInput, now: Date): Promise<Case> {
  const { saved, event } = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    const to = transition(record.status, input.action);
    const saved = await saveCase(repos, { ...record, status: to, sla: nextClocks(deps, record, input.action, now), updatedAt: now });

    await repos.events.append([
      { caseId: saved.id, at: now, type: 'status_changed', actor: input.actor, data: { from: record.status, to, action: input.action, reason: input.reason ?? null } },
    ]);
    if (saved.complainantIdentityId) {
      await repos.outbox.add([
        {
          caseId: saved.id,
          recipient: { kind: 'identity', identityId: saved.complainantIdentityId },
          kind: 'status_changed',
          payload: { number: saved.number, status: to, reason: input.reason ?? null },
        },
      ]);
    }
    const event: DomainEvent = { type: 'CaseStatusChanged', caseId: saved.id, number: saved.number, from: record.status, to, action: input.action, at: now };
    return { saved, event };
  });
  await deps.events.publish([event]);
  return saved;
}

/**
 * Acknowledgement ends when the case is accepted or rejected; resolution pauses while the
 * complainant owes an answer and ends at resolution; the return visit (回访) runs from then.
 */
function nextClocks({ calendar, policy }: CaseServiceDeps, record: Case, action: CaseAction, now: Date): Case['sla'] {
  const sla = { ...record.sla };
  const stop = (name: keyof Case['sla']) => {
    const clock = sla[name];
    if (clock) sla[name] = pauseClock(calendar, clock, now);
  };
  switch (action) {
    case 'accept':
    case 'reject':
      stop('acknowledge');
      if (action === 'reject') stop('resolve');
      break;
    case 'requestInformation':
      stop('resolve');
      break;
    case 'receiveInformation':
      if (sla.resolve) sla.resolve = resumeClock(calendar, sla.resolve, now);
      break;
    case 'resolve':
      stop('resolve');
      sla.returnVisit = startClock(calendar, policy.sla.returnVisit, now);
      break;
    case 'reopen':
      stop('returnVisit');
      sla.resolve = startClock(calendar, record.type === 'report' ? policy.sla.resolveReport : policy.sla.resolveGeneral, now);
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
