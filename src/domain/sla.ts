import { DomainError } from './errors';
import { addWorkingMinutes, workingMinutesBetween, workingMinutesPerDay, type WorkingCalendar } from './working-calendar';

/**
 * Working units count only business hours of working days; one working day is workingMinutesPerDay(cal)
 * working minutes, so "1 working day" from Friday 16:00 ends at 16:00 on the next working day.
 * Calendar units ignore the calendar; a calendar day is 24 real hours.
 */
export type SlaDuration =
  | { unit: 'workingHours'; amount: number }
  | { unit: 'workingDays'; amount: number }
  | { unit: 'calendarHours'; amount: number }
  | { unit: 'calendarDays'; amount: number };

const SLA_UNITS: ReadonlyArray<string> = ['workingHours', 'workingDays', 'calendarHours', 'calendarDays'] satisfies ReadonlyArray<SlaDuration['unit']>;

/** A running or paused countdown, stored as JSON on the case (so only plain data: ISO strings, numbers). */
export interface SlaClock {
  duration: SlaDuration;
  /** ISO instant. */
  startedAt: string;
  /** Budget minutes used in earlier running periods: working minutes for working units, real minutes for calendar units. */
  consumedMinutes: number;
  /** ISO instant; null while paused. */
  runningSince: string | null;
  /** ISO instant; null while paused. */
  deadline: string | null;
  /** ISO instant the handler was told the deadline is near; a clock warns once per limit. */
  warnedAt?: string;
  /** ISO instant the deadline was missed and acted on (escalated, or the return visit closed the case). */
  breachedAt?: string;
  /** ISO instant the complainant was reminded to rate the result (return visit only). */
  remindedAt?: string;
}

const MS_PER_MINUTE = 60_000;

export function addDuration(cal: WorkingCalendar, from: Date, d: SlaDuration): Date {
  return spendBudget(cal, d, from, budgetMinutes(cal, d));
}

export function startClock(cal: WorkingCalendar, d: SlaDuration, now: Date): SlaClock {
  return {
    duration: d,
    startedAt: now.toISOString(),
    consumedMinutes: 0,
    runningSince: now.toISOString(),
    deadline: addDuration(cal, now, d).toISOString(),
  };
}

/** Stops the countdown, e.g. while the case waits for the complainant. */
export function pauseClock(cal: WorkingCalendar, clock: SlaClock, now: Date): SlaClock {
  if (clock.runningSince === null) return clock;
  return {
    ...clock,
    consumedMinutes: clock.consumedMinutes + budgetMinutesSpent(cal, clock.duration, instantOf(clock.runningSince), now),
    runningSince: null,
    deadline: null,
  };
}

/** Restarts the countdown with what is left of the budget; an exhausted budget makes the deadline `now`. */
export function resumeClock(cal: WorkingCalendar, clock: SlaClock, now: Date): SlaClock {
  if (clock.runningSince !== null) return clock;
  const remaining = Math.max(0, budgetMinutes(cal, clock.duration) - clock.consumedMinutes);
  return {
    ...clock,
    runningSince: now.toISOString(),
    deadline: spendBudget(cal, clock.duration, now, remaining).toISOString(),
  };
}

/**
 * The instant a running clock will have used `fraction` of its budget, counting earlier running
 * periods; null while paused. A share already used up is reached at the last (re)start.
 */
export function instantAtFraction(cal: WorkingCalendar, clock: SlaClock, fraction: number): Date | null {
  if (!Number.isFinite(fraction) || fraction < 0) {
    throw new DomainError('SLA.INVALID_FRACTION', `A share of an SLA budget is a finite, non-negative number; got ${fraction}.`, { fraction });
  }
  if (clock.runningSince === null) return null;
  const remaining = Math.max(0, budgetMinutes(cal, clock.duration) * fraction - clock.consumedMinutes);
  return spendBudget(cal, clock.duration, instantOf(clock.runningSince), remaining);
}

/**
 * The same countdown held to another limit (a case found complex, a report's extension): the
 * start and the time used are kept, the deadline follows the new budget. A longer limit clears
 * the warning and the breach, which were about a limit that no longer applies.
 */
export function changeDuration(cal: WorkingCalendar, clock: SlaClock, duration: SlaDuration): SlaClock {
  const { warnedAt, breachedAt, ...rest } = clock;
  const lengthened = budgetMinutes(cal, duration) > budgetMinutes(cal, clock.duration);
  const changed: SlaClock = {
    ...rest,
    duration,
    deadline: clock.runningSince === null ? null : spendBudget(cal, duration, instantOf(clock.runningSince), Math.max(0, budgetMinutes(cal, duration) - clock.consumedMinutes)).toISOString(),
  };
  if (lengthened) return changed;
  return { ...changed, ...(warnedAt ? { warnedAt } : {}), ...(breachedAt ? { breachedAt } : {}) };
}

/** A paused clock is never overdue; reaching the deadline exactly is still on time. */
export function isOverdue(clock: SlaClock, now: Date): boolean {
  if (clock.deadline === null) return false;
  return now.getTime() > instantOf(clock.deadline).getTime();
}

/** Share of the budget used so far: 0 at the start, 1 at the deadline, above 1 once overdue. */
export function fractionElapsed(cal: WorkingCalendar, clock: SlaClock, now: Date): number {
  const budget = budgetMinutes(cal, clock.duration);
  const consumed = clock.consumedMinutes + runningMinutes(cal, clock, now);
  if (budget === 0) return 1;
  return consumed / budget;
}

function runningMinutes(cal: WorkingCalendar, clock: SlaClock, now: Date): number {
  if (clock.runningSince === null) return 0;
  return budgetMinutesSpent(cal, clock.duration, instantOf(clock.runningSince), now);
}

function isWorkingTime(d: SlaDuration): boolean {
  return d.unit === 'workingHours' || d.unit === 'workingDays';
}

function budgetMinutes(cal: WorkingCalendar, d: SlaDuration): number {
  assertDuration(d);
  switch (d.unit) {
    case 'workingHours':
    case 'calendarHours':
      return d.amount * 60;
    case 'workingDays':
      return d.amount * workingMinutesPerDay(cal);
    case 'calendarDays':
      return d.amount * 24 * 60;
  }
}

function spendBudget(cal: WorkingCalendar, d: SlaDuration, from: Date, minutes: number): Date {
  if (isWorkingTime(d)) return addWorkingMinutes(cal, from, minutes);
  return new Date(from.getTime() + minutes * MS_PER_MINUTE);
}

function budgetMinutesSpent(cal: WorkingCalendar, d: SlaDuration, from: Date, to: Date): number {
  if (isWorkingTime(d)) return workingMinutesBetween(cal, from, to);
  return Math.max(0, to.getTime() - from.getTime()) / MS_PER_MINUTE;
}

// Durations come back from stored JSON and configuration, so the type alone does not guarantee them.
function assertDuration(d: SlaDuration): void {
  if (!SLA_UNITS.includes(d.unit) || !Number.isFinite(d.amount) || d.amount < 0) {
    throw new DomainError('SLA.INVALID_DURATION', `An SLA duration needs a known unit and a finite, non-negative amount; got ${d.amount} ${d.unit}.`, {
      duration: d,
    });
  }
}

function instantOf(iso: string): Date {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) {
    throw new DomainError('SLA.INVALID_CLOCK', `The SLA clock holds "${iso}", which is not an ISO instant.`, { value: iso });
  }
  return instant;
}
