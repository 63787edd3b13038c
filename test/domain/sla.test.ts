import {
  addDuration,
  changeDuration,
  fractionElapsed,
  instantAtFraction,
  isOverdue,
  pauseClock,
  resumeClock,
  startClock,
  type SlaClock,
  type SlaDuration,
} from '../../src/domain/sla';
import { addWorkingMinutes, createWorkingCalendar, workingMinutesBetween } from '../../src/domain/working-calendar';
import { defaultConfig } from '../support/app-config';
import { expectDomainError } from '../support/testing';

/** Shanghai wall-clock time, e.g. at('2026-03-04 10:00'). */
function at(localDateTime: string): Date {
  return new Date(`${localDateTime.replace(' ', 'T')}:00+08:00`);
}

function iso(localDateTime: string): string {
  return at(localDateTime).toISOString();
}


// The shipped calendar: Asia/Shanghai, 9-12 and 13-18, the 2025 and 2026 holidays and 调休 days.
const cal = defaultConfig().calendar;
const ONE_WORKING_DAY: SlaDuration = { unit: 'workingDays', amount: 1 };
const THREE_WORKING_DAYS: SlaDuration = { unit: 'workingDays', amount: 3 };

describe('addDuration', () => {
  it.each<[string, SlaDuration, string, string]>([
    ['2026-03-04 10:00', { unit: 'workingDays', amount: 3 }, '2026-03-09 10:00', 'resolve within 3 working days'],
    ['2026-03-04 10:00', { unit: 'workingDays', amount: 1 }, '2026-03-05 10:00', 'contact within 1 working day'],
    ['2026-03-04 10:00', { unit: 'workingHours', amount: 8 }, '2026-03-05 10:00', '8 working hours is one day'],
    ['2026-03-04 11:30', { unit: 'workingHours', amount: 1 }, '2026-03-04 13:30', 'working hours skip lunch'],
    ['2026-03-04 10:00', { unit: 'workingHours', amount: 0.5 }, '2026-03-04 10:30', 'fractional hours'],
    ['2026-02-13 16:00', { unit: 'workingDays', amount: 1 }, '2026-02-14 16:00', 'lands on the 春节 make-up Saturday'],
    ['2026-02-14 17:00', { unit: 'workingDays', amount: 1 }, '2026-02-24 17:00', 'skips the 春节 break'],
    ['2026-02-14 17:00', { unit: 'calendarHours', amount: 24 }, '2026-02-15 17:00', 'calendar hours run through holidays'],
    ['2026-03-07 22:00', { unit: 'calendarHours', amount: 3 }, '2026-03-08 01:00', 'calendar hours run through nights'],
    ['2026-02-13 16:00', { unit: 'calendarDays', amount: 30 }, '2026-03-15 16:00', 'reports within 30 days'],
    ['2026-03-04 10:00', { unit: 'workingDays', amount: 0 }, '2026-03-04 10:00', 'zero budget'],
  ])('%s + %j = %s (%s)', (from, duration, expected) => {
    expect(addDuration(cal, at(from), duration).toISOString()).toBe(iso(expected));
  });

  it('ignores the calendar for calendar units', () => {
    const closed = createWorkingCalendar({ timeZone: 'Asia/Shanghai', businessHours: [], weekendDays: [0, 1, 2, 3, 4, 5, 6] });
    expect(addDuration(closed, at('2026-10-01 10:00'), { unit: 'calendarHours', amount: 24 }).toISOString()).toBe(iso('2026-10-02 10:00'));
    expect(addDuration(closed, at('2026-10-01 10:00'), { unit: 'calendarDays', amount: 7 }).toISOString()).toBe(iso('2026-10-08 10:00'));
  });

  it.each<SlaDuration>([
    { unit: 'workingDays', amount: -1 },
    { unit: 'calendarHours', amount: Number.POSITIVE_INFINITY },
    { unit: 'fortnights', amount: 1 } as unknown as SlaDuration,
  ])('rejects %j', (duration) => {
    expectDomainError(() => addDuration(cal, at('2026-03-04 10:00'), duration), 'SLA.INVALID_DURATION');
  });
});

describe('SLA clock', () => {
  it('starts running with the deadline of the full duration', () => {
    expect(startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00'))).toEqual<SlaClock>({
      duration: THREE_WORKING_DAYS,
      startedAt: iso('2026-03-02 10:00'),
      consumedMinutes: 0,
      runningSince: iso('2026-03-02 10:00'),
      deadline: iso('2026-03-05 10:00'),
    });
  });

  it('moves the deadline by exactly the working time spent waiting for the complainant', () => {
    const started = startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00'));
    const paused = pauseClock(cal, started, at('2026-03-02 11:00'));
    expect(paused).toMatchObject({ consumedMinutes: 60, runningSince: null, deadline: null });

    const resumed = resumeClock(cal, paused, at('2026-03-04 11:00'));
    expect(resumed.runningSince).toBe(iso('2026-03-04 11:00'));
    expect(resumed.deadline).toBe(iso('2026-03-09 10:00'));
    const twoWorkingDays = 2 * 480;
    expect(resumed.deadline).toBe(addWorkingMinutes(cal, new Date(started.deadline!), twoWorkingDays).toISOString());
    expect(workingMinutesBetween(cal, new Date(started.deadline!), new Date(resumed.deadline!))).toBe(twoWorkingDays);
  });

  it('does not count a pause across 春节 as working time', () => {
    const started = startClock(cal, ONE_WORKING_DAY, at('2026-02-13 16:00'));
    const paused = pauseClock(cal, started, at('2026-02-13 17:00'));
    const resumed = resumeClock(cal, paused, at('2026-02-24 09:00'));
    // 60 minutes used on Friday, the remaining 420 run from Tuesday 09:00 across lunch.
    expect(resumed.deadline).toBe(iso('2026-02-24 17:00'));
  });

  it('adds up several running periods', () => {
    let clock = startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00'));
    clock = pauseClock(cal, clock, at('2026-03-04 10:00'));
    clock = resumeClock(cal, clock, at('2026-03-04 14:00'));
    clock = pauseClock(cal, clock, at('2026-03-04 16:00'));
    expect(clock.consumedMinutes).toBe(180);
    clock = resumeClock(cal, clock, at('2026-03-05 09:00'));
    expect(clock.deadline).toBe(iso('2026-03-05 15:00'));
  });

  it('ignores a second pause and a second resume', () => {
    const running = startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00'));
    const paused = pauseClock(cal, running, at('2026-03-02 11:00'));
    expect(pauseClock(cal, paused, at('2026-03-03 11:00'))).toBe(paused);
    const resumed = resumeClock(cal, paused, at('2026-03-04 11:00'));
    expect(resumeClock(cal, resumed, at('2026-03-05 11:00'))).toBe(resumed);
  });

  it('pauses and resumes calendar-unit clocks in real minutes', () => {
    const started = startClock(cal, { unit: 'calendarHours', amount: 24 }, at('2026-02-14 17:00'));
    expect(started.deadline).toBe(iso('2026-02-15 17:00'));
    const paused = pauseClock(cal, started, at('2026-02-14 23:00'));
    expect(paused.consumedMinutes).toBe(360);
    const resumed = resumeClock(cal, paused, at('2026-02-15 05:00'));
    expect(resumed.deadline).toBe(iso('2026-02-15 23:00'));
  });

  it('resumes an exhausted clock with the deadline already reached', () => {
    const started = startClock(cal, { unit: 'workingHours', amount: 1 }, at('2026-03-04 09:00'));
    const paused = pauseClock(cal, started, at('2026-03-04 11:00'));
    const resumed = resumeClock(cal, paused, at('2026-03-05 09:00'));
    expect(resumed.deadline).toBe(iso('2026-03-05 09:00'));
    expect(isOverdue(resumed, at('2026-03-05 09:01'))).toBe(true);
  });

  it('survives a JSON round trip', () => {
    const clock = pauseClock(cal, startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00')), at('2026-03-02 11:00'));
    const stored = JSON.parse(JSON.stringify(clock)) as SlaClock;
    expect(stored).toEqual(clock);
    expect(resumeClock(cal, stored, at('2026-03-04 11:00'))).toEqual(resumeClock(cal, clock, at('2026-03-04 11:00')));
  });

  it('rejects a stored clock with a broken instant', () => {
    const broken: SlaClock = { ...startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00')), runningSince: 'soon' };
    expectDomainError(() => pauseClock(cal, broken, at('2026-03-04 10:00')), 'SLA.INVALID_CLOCK');
  });
});

describe('isOverdue', () => {
  const clock = startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00'));

  it.each([
    ['2026-03-04 12:00', false, 'before the deadline'],
    ['2026-03-04 18:00', false, 'exactly at the deadline'],
    ['2026-03-04 18:01', true, 'after the deadline'],
    ['2026-03-10 10:00', true, 'days later'],
  ])('at %s is %s (%s)', (now, expected) => {
    expect(clock.deadline).toBe(iso('2026-03-04 18:00'));
    expect(isOverdue(clock, at(now))).toBe(expected);
  });

  it('is never overdue while paused', () => {
    const paused = pauseClock(cal, clock, at('2026-03-04 17:00'));
    expect(isOverdue(paused, at('2026-06-01 10:00'))).toBe(false);
  });
});

describe('fractionElapsed', () => {
  const clock = startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00'));

  it.each([
    ['2026-03-04 09:00', 0],
    ['2026-03-04 12:00', 180 / 480],
    ['2026-03-04 12:45', 180 / 480],
    ['2026-03-04 16:24', 0.8],
    ['2026-03-04 18:00', 1],
    ['2026-03-05 09:48', 1.1],
  ])('at %s is %d', (now, expected) => {
    expect(fractionElapsed(cal, clock, at(now))).toBeCloseTo(expected, 10);
  });

  it('stands still while paused', () => {
    const paused = pauseClock(cal, clock, at('2026-03-04 16:24'));
    expect(fractionElapsed(cal, paused, at('2026-03-04 16:24'))).toBeCloseTo(0.8, 10);
    expect(fractionElapsed(cal, paused, at('2026-03-11 16:24'))).toBeCloseTo(0.8, 10);
  });

  it('counts earlier running periods after a resume', () => {
    const paused = pauseClock(cal, clock, at('2026-03-04 12:00'));
    const resumed = resumeClock(cal, paused, at('2026-03-06 13:00'));
    expect(fractionElapsed(cal, resumed, at('2026-03-06 16:24'))).toBeCloseTo((180 + 204) / 480, 10);
  });

  it('is 1 for a zero budget', () => {
    const instant = startClock(cal, { unit: 'workingHours', amount: 0 }, at('2026-03-04 09:00'));
    expect(fractionElapsed(cal, instant, at('2026-03-04 09:00'))).toBe(1);
  });
});

describe('instantAtFraction', () => {
  it('is when the share of working time is used, skipping lunch', () => {
    // 80% of 480 working minutes from 09:00: 180 before lunch, 204 after.
    expect(instantAtFraction(cal, startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00')), 0.8)?.toISOString()).toBe(iso('2026-03-04 16:24'));
  });

  it('skips the 国庆 holidays and counts the 调休 Saturday as a working day', () => {
    const clock = startClock(cal, THREE_WORKING_DAYS, at('2026-09-30 10:00'));
    // 420 minutes on Wednesday, nothing from 1 to 7 October, 480 on Thursday the 8th, 252 on Friday.
    expect(instantAtFraction(cal, clock, 0.8)?.toISOString()).toBe(iso('2026-10-09 14:12'));
    expect(instantAtFraction(cal, clock, 1)?.toISOString()).toBe(iso('2026-10-10 10:00'));
    expect(clock.deadline).toBe(iso('2026-10-10 10:00'));
  });

  it('counts the time used before a pause', () => {
    const paused = pauseClock(cal, startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00')), at('2026-03-02 11:00'));
    const resumed = resumeClock(cal, paused, at('2026-03-04 11:00'));
    // 1152 minutes in all, 60 of them on Monday: 1092 from Wednesday 11:00.
    expect(instantAtFraction(cal, resumed, 0.8)?.toISOString()).toBe(iso('2026-03-06 14:12'));
    expect(instantAtFraction(cal, resumed, 1)?.toISOString()).toBe(resumed.deadline);
  });

  it('is the restart for a share already used, and null while paused', () => {
    const paused = pauseClock(cal, startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00')), at('2026-03-04 10:00'));
    expect(instantAtFraction(cal, paused, 0.8)).toBeNull();
    expect(instantAtFraction(cal, resumeClock(cal, paused, at('2026-03-05 09:00')), 0.1)?.toISOString()).toBe(iso('2026-03-05 09:00'));
  });

  it('runs through nights and holidays for calendar units', () => {
    const clock = startClock(cal, { unit: 'calendarHours', amount: 24 }, at('2026-02-14 17:00'));
    expect(instantAtFraction(cal, clock, 0.8)?.toISOString()).toBe(iso('2026-02-15 12:12'));
  });

  it('rejects a share that is not a number of at least 0', () => {
    const clock = startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00'));
    expectDomainError(() => instantAtFraction(cal, clock, Number.NaN), 'SLA.INVALID_FRACTION');
    expectDomainError(() => instantAtFraction(cal, clock, -0.1), 'SLA.INVALID_FRACTION');
  });
});

describe('warnings and breaches on a clock', () => {
  it('are absent on a new clock and kept through pause and resume', () => {
    const fresh = startClock(cal, ONE_WORKING_DAY, at('2026-03-04 09:00'));
    expect(fresh).not.toHaveProperty('warnedAt');
    expect(fresh).not.toHaveProperty('breachedAt');
    const marked: SlaClock = { ...fresh, warnedAt: iso('2026-03-04 16:24'), breachedAt: iso('2026-03-04 18:00') };
    const resumed = resumeClock(cal, pauseClock(cal, marked, at('2026-03-05 09:00')), at('2026-03-06 09:00'));
    expect(resumed).toMatchObject({ warnedAt: iso('2026-03-04 16:24'), breachedAt: iso('2026-03-04 18:00') });
  });
});

describe('changeDuration', () => {
  const FIVE_WORKING_DAYS: SlaDuration = { unit: 'workingDays', amount: 5 };

  it('keeps the start and the time used, and moves the deadline (a case found complex)', () => {
    const general = startClock(cal, THREE_WORKING_DAYS, at('2026-11-18 10:00'));
    expect(general.deadline).toBe(iso('2026-11-23 10:00'));
    const complex = changeDuration(cal, { ...general, warnedAt: iso('2026-11-20 14:12') }, FIVE_WORKING_DAYS);
    expect(complex).toEqual<SlaClock>({ ...general, duration: FIVE_WORKING_DAYS, deadline: iso('2026-11-25 10:00') });
  });

  it('keeps a warning given when the limit gets shorter', () => {
    const complex = { ...startClock(cal, FIVE_WORKING_DAYS, at('2026-11-18 10:00')), warnedAt: iso('2026-11-24 10:00') };
    expect(changeDuration(cal, complex, THREE_WORKING_DAYS)).toMatchObject({ deadline: iso('2026-11-23 10:00'), warnedAt: iso('2026-11-24 10:00') });
  });

  it('counts earlier running periods and leaves a paused clock paused', () => {
    const paused = pauseClock(cal, startClock(cal, THREE_WORKING_DAYS, at('2026-03-02 10:00')), at('2026-03-02 11:00'));
    const longer = changeDuration(cal, paused, FIVE_WORKING_DAYS);
    expect(longer).toMatchObject({ consumedMinutes: 60, runningSince: null, deadline: null, startedAt: iso('2026-03-02 10:00') });
    // 2400 - 60 minutes from Wednesday 11:00.
    expect(resumeClock(cal, longer, at('2026-03-04 11:00')).deadline).toBe(iso('2026-03-11 10:00'));
  });

  it('extends a report from 30 to 60 days after it was filed', () => {
    const report = startClock(cal, { unit: 'calendarDays', amount: 30 }, at('2026-02-13 16:00'));
    expect(changeDuration(cal, report, { unit: 'calendarDays', amount: 60 }).deadline).toBe(iso('2026-04-14 16:00'));
  });
});
