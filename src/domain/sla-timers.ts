import type { Case, SlaName } from './case';
import { isTerminal } from './case-lifecycle';
import { addDuration, instantAtFraction, type SlaDuration } from './sla';
import type { WorkingCalendar } from './working-calendar';

/** A policy clock, or the reminder to rate that runs inside the return visit. */
export type SlaTimerClock = SlaName | 'ratingReminder';
export type SlaTimerKind = 'warn' | 'breach' | 'remind';

/** Something due at an instant: warn the handler, act on a missed deadline, remind the complainant. */
export interface SlaTimer {
  clock: SlaTimerClock;
  kind: SlaTimerKind;
  at: Date;
}

export interface SlaTimerPolicy {
  /** Share of a limit at which the handler is warned (policy: warnAtFraction). */
  warnAtFraction: number;
  /** How long after resolution an unrated case reminds the complainant (policy: ratingReminder). */
  ratingReminder: SlaDuration;
}

/**
 * The timers still to fire for a case: for each running clock a warning (unless given) and the
 * breach at its deadline (unless acted on); for a resolved case the reminder to rate. Paused
 * clocks have none: their deadline is unknown until they run again. Sorted by instant.
 */
export function slaTimers(record: Pick<Case, 'status' | 'sla'>, cal: WorkingCalendar, policy: SlaTimerPolicy): SlaTimer[] {
  if (isTerminal(record.status)) return [];
  const timers: SlaTimer[] = [];
  for (const [name, clock] of Object.entries(record.sla) as Array<[SlaName, Case['sla'][SlaName]]>) {
    if (!clock || clock.deadline === null || clock.breachedAt) continue;
    const warnAt = clock.warnedAt ? null : instantAtFraction(cal, clock, policy.warnAtFraction);
    if (warnAt) timers.push({ clock: name, kind: 'warn', at: warnAt });
    timers.push({ clock: name, kind: 'breach', at: new Date(clock.deadline) });
  }
  const remindAt = ratingReminderAt(record, cal, policy.ratingReminder);
  if (remindAt) timers.push({ clock: 'ratingReminder', kind: 'remind', at: remindAt });
  return timers.sort((a, b) => a.at.getTime() - b.at.getTime() || a.clock.localeCompare(b.clock) || a.kind.localeCompare(b.kind));
}

/** A resolved case not yet rated asks once more, `ratingReminder` into the return visit. */
function ratingReminderAt(record: Pick<Case, 'status' | 'sla'>, cal: WorkingCalendar, ratingReminder: SlaDuration): Date | null {
  const visit = record.sla.returnVisit;
  if (record.status !== 'resolved' || !visit || visit.deadline === null || visit.remindedAt) return null;
  return addDuration(cal, new Date(visit.startedAt), ratingReminder);
}
