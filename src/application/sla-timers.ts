import type { Case, SlaName } from '../domain/case';
import { escalate, escalationLevelName } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { slaTimers, type SlaTimerClock, type SlaTimerKind } from '../domain/sla-timers';
import { handlers, overseers } from './case-recipients';
import { timerPolicy } from './case-clocks';
import { changeLockedStatus } from './change-status';
import type { ConversationDeps } from './conversation-service';
import { saveCase } from './load-case';
import type { Repositories } from './ports';
import { tellComplainant } from './tell-complainant';

/** A timer as a queue carries it: plain data, the instant as an ISO string. */
export interface SlaTimerInput {
  caseId: string;
  clock: SlaTimerClock;
  kind: SlaTimerKind;
  at: string;
}

/** Fired; stale (the case moved on: nothing to do); or due later than the queue ran it. */
export type SlaTimerOutcome = 'fired' | 'stale' | { early: Date };

interface Fired {
  outcome: SlaTimerOutcome;
  events: DomainEvent[];
}

const SYSTEM = { kind: 'system' } as const;
// The return visit ended without a rating: the case closes itself, and the complainant is told why.
export const CLOSED_WITHOUT_RATING = 'closedWithoutRating';

/**
 * Runs one SLA timer. The case is locked and the timer checked against the clocks as they are
 * now, so a timer that fires twice, or after the deadline moved or the case was finished, does
 * nothing: each warning, breach and reminder happens once.
 */
export async function handleSlaTimer(deps: ConversationDeps, timer: SlaTimerInput, now: Date): Promise<SlaTimerOutcome> {
  const { outcome, events } = await deps.cases.store.transaction(async (repos): Promise<Fired> => {
    const record = await repos.cases.getForUpdate(timer.caseId);
    const due = record ? dueInstant(deps, record, timer) : null;
    if (!record || !due) return { outcome: 'stale', events: [] };
    if (now.getTime() < due.getTime()) return { outcome: { early: due }, events: [] };
    const fired: DomainEvent = { type: 'CaseSlaTimerFired', caseId: record.id, number: record.number, clock: timer.clock, kind: timer.kind, at: now };
    if (timer.clock === 'ratingReminder') return { outcome: 'fired', events: [fired, ...(await remindToRate(deps, repos, record, now))] };
    if (timer.kind === 'warn') return { outcome: 'fired', events: [fired, ...(await warn(repos, record, timer.clock, now))] };
    if (timer.clock === 'returnVisit') return { outcome: 'fired', events: [fired, ...(await closeUnrated(deps, repos, record, now))] };
    return { outcome: 'fired', events: [fired, ...(await escalateOverdue(repos, record, timer.clock, now))] };
  });
  await deps.cases.events.publish(events);
  return outcome;
}

/** When the timer is due by the case as it stands, or null when it no longer is (a stale timer). */
function dueInstant({ cases }: ConversationDeps, record: Case, timer: SlaTimerInput): Date | null {
  const at = new Date(timer.at).getTime();
  const current = slaTimers(record, cases.calendar, timerPolicy(cases.policy)).find((t) => t.clock === timer.clock && t.kind === timer.kind);
  return current && current.at.getTime() === at ? current.at : null;
}

async function warn(repos: Repositories, record: Case, clockName: SlaName, now: Date): Promise<DomainEvent[]> {
  const clock = record.sla[clockName]!;
  const saved = await saveCase(repos, { ...record, sla: { ...record.sla, [clockName]: { ...clock, warnedAt: now.toISOString() } }, updatedAt: now });
  await repos.events.append([{ caseId: saved.id, at: now, type: 'sla_warning', actor: SYSTEM, data: { clock: clockName, deadline: clock.deadline } }]);
  const payload = { number: saved.number, clock: clockName, deadline: clock.deadline };
  await repos.outbox.add((await handlers(repos, saved)).map((staffId) => ({ caseId: saved.id, recipient: { kind: 'staff' as const, staffId }, kind: 'sla_warning', payload })));
  return [];
}

/** A missed limit raises the case one level and reaches the department's supervisors and manager. */
async function escalateOverdue(repos: Repositories, record: Case, clockName: SlaName, now: Date): Promise<DomainEvent[]> {
  const clock = record.sla[clockName]!;
  const level = escalate(record.escalationLevel, record.status);
  const reason = `${clockName}_overdue`;
  const saved = await saveCase(repos, {
    ...record,
    escalationLevel: level,
    sla: { ...record.sla, [clockName]: { ...clock, breachedAt: now.toISOString() } },
    updatedAt: now,
  });
  const raised = level > record.escalationLevel;
  await repos.events.append([
    { caseId: saved.id, at: now, type: 'sla_breached', actor: SYSTEM, data: { clock: clockName, deadline: clock.deadline } },
    ...(raised ? [{ caseId: saved.id, at: now, type: 'escalated', actor: SYSTEM, data: { level, reasons: [reason] } }] : []),
  ]);
  const payload = { number: saved.number, clock: clockName, deadline: clock.deadline, level: escalationLevelName(level) };
  await repos.outbox.add((await overseers(repos, saved.departmentId)).map((staffId) => ({ caseId: saved.id, recipient: { kind: 'staff' as const, staffId }, kind: 'sla_breached', payload })));
  return raised ? [{ type: 'CaseEscalated', caseId: saved.id, number: saved.number, level, reason, at: now }] : [];
}

/** No rating within the return visit (5 working days): the case closes itself (policy §5). */
async function closeUnrated(deps: ConversationDeps, repos: Repositories, record: Case, now: Date): Promise<DomainEvent[]> {
  const visit = record.sla.returnVisit!;
  const breached: Case = { ...record, sla: { ...record.sla, returnVisit: { ...visit, breachedAt: now.toISOString() } } };
  await repos.events.append([{ caseId: record.id, at: now, type: 'sla_breached', actor: SYSTEM, data: { clock: 'returnVisit', deadline: visit.deadline } }]);
  const { event } = await changeLockedStatus(deps.cases, repos, breached, { caseId: record.id, action: 'close', actor: SYSTEM, reasonKey: CLOSED_WITHOUT_RATING }, now);
  return [event];
}

/** The complainant is asked to rate once more, in their own chat, so their next answer is the rating. */
async function remindToRate(deps: ConversationDeps, repos: Repositories, record: Case, now: Date): Promise<DomainEvent[]> {
  const visit = record.sla.returnVisit!;
  const saved = await saveCase(repos, { ...record, sla: { ...record.sla, returnVisit: { ...visit, remindedAt: now.toISOString() } }, updatedAt: now });
  if (await tellComplainant(deps, repos, saved, { kind: 'ratingRequested', caseId: saved.id, number: saved.number }, now)) {
    await repos.events.append([{ caseId: saved.id, at: now, type: 'rating_reminded', actor: SYSTEM, data: {} }]);
  }
  return [];
}
