import type { Policy } from '../config/policy.schema';
import type { Case } from '../domain/case';
import { isOpen } from '../domain/case-lifecycle';
import { pauseClock, startClock, type SlaDuration } from '../domain/sla';
import type { SlaTimerPolicy } from '../domain/sla-timers';
import type { WorkingCalendar } from '../domain/working-calendar';

/** Policy §5: reports within 30 days, complex cases within 5 working days, the rest within 3. */
export function resolveDuration(policy: Policy, record: Pick<Case, 'type' | 'complex'>): SlaDuration {
  if (record.type === 'report') return policy.sla.resolveReport;
  return record.complex ? policy.sla.resolveComplex : policy.sla.resolveGeneral;
}

export function timerPolicy(policy: Policy): SlaTimerPolicy {
  return { warnAtFraction: policy.sla.warnAtFraction, ratingReminder: policy.sla.ratingReminder };
}

/**
 * Contacting the complainant (1 working day) and the department's answer (3 working days) are both
 * met by the first thing staff say to the complainant: a reply, a question, a rejection or the result.
 */
export function stopFirstResponseClocks(calendar: WorkingCalendar, sla: Case['sla'], now: Date): Case['sla'] {
  const next = { ...sla };
  if (next.firstContact) next.firstContact = pauseClock(calendar, next.firstContact, now);
  if (next.departmentAnswer) next.departmentAnswer = pauseClock(calendar, next.departmentAnswer, now);
  return next;
}

/**
 * The department's answer is owed from the moment someone there has the case; once staff have
 * spoken to the complainant it is already given, and it never starts twice.
 */
export function withDepartmentAnswerClock(deps: { calendar: WorkingCalendar; policy: Policy }, record: Pick<Case, 'status' | 'sla'>, now: Date): Case['sla'] {
  const answered = record.sla.firstContact !== undefined && record.sla.firstContact.runningSince === null;
  if (!isOpen(record.status) || record.sla.departmentAnswer || answered) return record.sla;
  return { ...record.sla, departmentAnswer: startClock(deps.calendar, deps.policy.sla.departmentAnswer, now) };
}
