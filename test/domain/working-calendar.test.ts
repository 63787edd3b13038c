import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  addWorkingMinutes,
  createWorkingCalendar,
  isWorkingDay,
  localDatesInRange,
  nextWorkingDayStart,
  workingMinutesBetween,
  workingMinutesPerDay,
  type WorkingCalendar,
} from '../../src/domain/working-calendar';
import { expectDomainError, seededRandom } from '../support/testing';

interface HolidayFile {
  year: number;
  holidays: Array<{ name: string; from: string; to: string }>;
  makeUpWorkdays: Array<{ date: string; for: string }>;
}

const CALENDAR_DIR = join(__dirname, '../../config/calendar');

function loadHolidayFiles(): Array<{ fileName: string; data: HolidayFile }> {
  return readdirSync(CALENDAR_DIR)
    .filter((fileName) => fileName.endsWith('.yaml'))
    .sort()
    .map((fileName) => ({ fileName, data: parseYaml(readFileSync(join(CALENDAR_DIR, fileName), 'utf8')) as HolidayFile }));
}

function shanghaiCalendar(): WorkingCalendar {
  const files = loadHolidayFiles().map((file) => file.data);
  return createWorkingCalendar({
    timeZone: 'Asia/Shanghai',
    holidays: files.flatMap((file) => file.holidays.flatMap((holiday) => localDatesInRange(holiday.from, holiday.to))),
    makeUpWorkdays: files.flatMap((file) => file.makeUpWorkdays.map((day) => day.date)),
  });
}

/** Shanghai wall-clock time, e.g. at('2026-03-04 10:00'). */
function at(localDateTime: string): Date {
  return new Date(`${localDateTime.replace(' ', 'T')}:00+08:00`);
}

function weekdayOf(localDate: string): string {
  return new Date(`${localDate}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
}



const cal = shanghaiCalendar();

describe('holiday data files', () => {
  const files = loadHolidayFiles();

  it('covers 2025 and 2026', () => {
    expect(files.map((file) => file.fileName)).toEqual(expect.arrayContaining(['2025.yaml', '2026.yaml']));
  });

  describe.each(files)('$fileName', ({ fileName, data }) => {
    const holidayDates = new Set(data.holidays.flatMap((holiday) => localDatesInRange(holiday.from, holiday.to)));

    it('is named after its year', () => {
      expect(fileName).toBe(`${data.year}.yaml`);
    });

    it('parses dates as plain strings', () => {
      for (const holiday of data.holidays) {
        expect(typeof holiday.from).toBe('string');
        expect(typeof holiday.to).toBe('string');
      }
      for (const day of data.makeUpWorkdays) expect(typeof day.date).toBe('string');
    });

    it('has holiday ranges inside the year with from <= to', () => {
      for (const holiday of data.holidays) {
        expect(holiday.from <= holiday.to).toBe(true);
        expect(holiday.from.startsWith(`${data.year}-`)).toBe(true);
        expect(holiday.to.startsWith(`${data.year}-`)).toBe(true);
      }
    });

    it('has make-up workdays only on weekends, inside the year, never on a holiday', () => {
      for (const { date } of data.makeUpWorkdays) {
        expect([date, weekdayOf(date)]).toEqual([date, expect.stringMatching(/^(Saturday|Sunday)$/)]);
        expect(date.startsWith(`${data.year}-`)).toBe(true);
        expect(holidayDates.has(date)).toBe(false);
      }
    });

    it('names an existing holiday for every make-up workday', () => {
      const names = data.holidays.map((holiday) => holiday.name);
      for (const day of data.makeUpWorkdays) expect(names).toContain(day.for);
    });
  });
});

describe('isWorkingDay', () => {
  it.each([
    ['2026-03-04', true, 'ordinary Wednesday'],
    ['2026-03-07', false, 'ordinary Saturday'],
    ['2026-03-08', false, 'ordinary Sunday'],
    ['2026-01-01', false, '元旦 on a Thursday'],
    ['2026-01-04', true, '元旦 make-up Sunday'],
    ['2026-02-14', true, '春节 make-up Saturday'],
    ['2026-02-16', false, '春节 Monday'],
    ['2026-02-23', false, 'last day of 春节'],
    ['2026-02-24', true, 'first day back after 春节'],
    ['2026-02-28', true, '春节 second make-up Saturday'],
    ['2026-05-05', false, '劳动节 Tuesday'],
    ['2026-05-09', true, '劳动节 make-up Saturday'],
    ['2026-09-25', false, '中秋节 Friday'],
    ['2026-09-20', true, '国庆节 make-up Sunday'],
    ['2026-10-01', false, '国庆节 Thursday'],
    ['2026-10-07', false, '国庆节 Wednesday'],
    ['2026-10-08', true, 'first day back after 国庆节'],
    ['2026-10-10', true, '国庆节 make-up Saturday'],
    ['2025-10-08', false, '2025 国庆节、中秋节 Wednesday'],
  ])('%s is %s (%s)', (date, expected) => {
    expect(isWorkingDay(cal, date)).toBe(expected);
  });

  it('lets a holiday win over a make-up listing of the same date', () => {
    const odd = createWorkingCalendar({ timeZone: 'Asia/Shanghai', holidays: ['2026-03-07'], makeUpWorkdays: ['2026-03-07'] });
    expect(isWorkingDay(odd, '2026-03-07')).toBe(false);
  });

  it.each(['2026-3-4', '2026-02-30', 'yesterday'])('rejects the malformed date %s', (date) => {
    expectDomainError(() => isWorkingDay(cal, date), 'CALENDAR.INVALID_DATE');
  });
});

describe('workingMinutesPerDay', () => {
  it('is 480 for 09:00-12:00 and 13:00-18:00', () => {
    expect(workingMinutesPerDay(cal)).toBe(480);
  });

  it('follows the configured hours', () => {
    const short = createWorkingCalendar({ timeZone: 'Asia/Shanghai', businessHours: [{ start: '08:30', end: '11:45' }] });
    expect(workingMinutesPerDay(short)).toBe(195);
  });
});

describe('addWorkingMinutes', () => {
  it.each([
    ['2026-03-04 10:00', 3 * 480, '2026-03-09 10:00', 'Wednesday + 3 working days is next Monday'],
    ['2026-03-04 11:30', 60, '2026-03-04 13:30', 'crosses lunch'],
    ['2026-03-04 17:30', 60, '2026-03-05 09:30', 'crosses the night'],
    ['2026-03-04 17:00', 60, '2026-03-04 18:00', 'ends exactly at closing time'],
    ['2026-03-04 09:00', 180, '2026-03-04 12:00', 'ends exactly at lunch'],
    ['2026-03-04 09:00', 480, '2026-03-04 18:00', 'a full day ends at 18:00'],
    ['2026-03-07 10:00', 30, '2026-03-09 09:30', 'a Saturday start begins Monday 09:00'],
    ['2026-03-04 12:30', 30, '2026-03-04 13:30', 'a lunch-time start begins at 13:00'],
    ['2026-03-04 07:00', 30, '2026-03-04 09:30', 'an early start begins at 09:00'],
    ['2026-03-04 20:00', 30, '2026-03-05 09:30', 'an evening start begins next morning'],
    ['2026-03-06 17:00', 120, '2026-03-09 10:00', 'Friday evening rolls over the weekend'],
    ['2026-02-13 16:00', 480, '2026-02-14 16:00', '春节 eve: lands on the make-up Saturday'],
    ['2026-02-14 17:00', 480, '2026-02-24 17:00', 'make-up Saturday skips the whole 春节 break'],
    ['2026-02-27 17:00', 120, '2026-02-28 10:00', 'the make-up Saturday 2026-02-28 counts'],
    ['2026-09-18 17:30', 60, '2026-09-20 09:30', 'the make-up Sunday before 国庆节 counts'],
    ['2026-09-24 17:30', 60, '2026-09-28 09:30', '中秋节 Friday and its weekend are skipped'],
    ['2026-09-30 17:00', 120, '2026-10-08 10:00', 'National Day week is skipped'],
    ['2026-10-09 17:30', 60, '2026-10-10 09:30', 'the make-up Saturday after 国庆节 counts'],
    ['2025-12-31 17:00', 120, '2026-01-04 10:00', '元旦 is skipped and its make-up Sunday counts'],
  ])('%s + %i min = %s (%s)', (from, minutes, expected) => {
    expect(addWorkingMinutes(cal, at(from), minutes).toISOString()).toBe(at(expected).toISOString());
  });

  it('returns the start unchanged for zero minutes, even outside business hours', () => {
    const saturday = at('2026-03-07 10:00');
    expect(addWorkingMinutes(cal, saturday, 0).getTime()).toBe(saturday.getTime());
  });

  it('keeps seconds and fractions of a minute', () => {
    const from = new Date('2026-03-04T10:00:30+08:00');
    expect(addWorkingMinutes(cal, from, 1).toISOString()).toBe(new Date('2026-03-04T10:01:30+08:00').toISOString());
    expect(addWorkingMinutes(cal, at('2026-03-04 17:59'), 1.5).toISOString()).toBe(new Date('2026-03-05T09:00:30+08:00').toISOString());
  });

  it('adds 60 working days across 春节 consistently', () => {
    const from = at('2026-01-20 10:00');
    const deadline = addWorkingMinutes(cal, from, 60 * 480);
    // Counts the two 春节 make-up Saturdays, skips the 春节 break and 清明节 Monday 2026-04-06.
    expect(deadline.toISOString()).toBe(at('2026-04-21 10:00').toISOString());
    expect(workingMinutesBetween(cal, from, deadline)).toBe(60 * 480);
  });

  it('converts through the calendar time zone, including DST changes', () => {
    const newYork = createWorkingCalendar({ timeZone: 'America/New_York' });
    // DST starts on Sunday 2026-03-08: Friday is UTC-5, Monday is UTC-4.
    const friday = new Date('2026-03-06T17:30:00-05:00');
    expect(addWorkingMinutes(newYork, friday, 60).toISOString()).toBe(new Date('2026-03-09T09:30:00-04:00').toISOString());
  });

  it('rejects negative or non-finite minutes', () => {
    expectDomainError(() => addWorkingMinutes(cal, at('2026-03-04 10:00'), -1), 'CALENDAR.INVALID_MINUTES');
    expectDomainError(() => addWorkingMinutes(cal, at('2026-03-04 10:00'), Number.NaN), 'CALENDAR.INVALID_MINUTES');
  });

  it('fails instead of looping when no day is a working day', () => {
    const never = createWorkingCalendar({ timeZone: 'Asia/Shanghai', weekendDays: [0, 1, 2, 3, 4, 5, 6] });
    expectDomainError(() => addWorkingMinutes(never, at('2026-03-04 10:00'), 60), 'CALENDAR.NO_WORKING_DAYS');
  });

  it('fails when the calendar has no business hours', () => {
    const closed = createWorkingCalendar({ timeZone: 'Asia/Shanghai', businessHours: [] });
    expectDomainError(() => addWorkingMinutes(closed, at('2026-03-04 10:00'), 60), 'CALENDAR.NO_BUSINESS_HOURS');
  });
});

describe('workingMinutesBetween', () => {
  it.each([
    ['2026-03-04 10:00', '2026-03-04 11:00', 60, 'same morning'],
    ['2026-03-04 11:00', '2026-03-04 14:00', 120, 'across lunch'],
    ['2026-03-06 16:00', '2026-03-09 10:00', 180, 'across a weekend'],
    ['2026-03-07 08:00', '2026-03-08 20:00', 0, 'inside a weekend'],
    ['2026-03-04 18:00', '2026-03-05 09:00', 0, 'overnight'],
    ['2026-02-14 17:00', '2026-02-24 17:00', 480, 'across 春节'],
    ['2026-03-04 10:00', '2026-03-04 10:00', 0, 'empty range'],
    ['2026-03-04 11:00', '2026-03-04 10:00', 0, 'reversed range'],
  ])('%s → %s is %i min (%s)', (from, to, expected) => {
    expect(workingMinutesBetween(cal, at(from), at(to))).toBe(expected);
  });

  it('is the inverse of addWorkingMinutes on seeded random inputs', () => {
    const random = seededRandom(20260214);
    const yearStart = at('2026-01-01 00:00').getTime();
    const yearMs = 365 * 24 * 60 * 60_000;
    for (let i = 0; i < 500; i += 1) {
      const from = new Date(yearStart + Math.floor(random() * yearMs / 60_000) * 60_000);
      const minutes = Math.floor(random() * 20 * 480);
      const to = addWorkingMinutes(cal, from, minutes);
      expect([from.toISOString(), workingMinutesBetween(cal, from, to)]).toEqual([from.toISOString(), minutes]);

      const other = new Date(from.getTime() + Math.floor(random() * 30 * 24 * 60) * 60_000);
      const between = workingMinutesBetween(cal, from, other);
      const reached = addWorkingMinutes(cal, from, between);
      expect(reached.getTime()).toBeLessThanOrEqual(other.getTime());
      expect(workingMinutesBetween(cal, reached, other)).toBe(0);
    }
  });
});

describe('nextWorkingDayStart', () => {
  it.each([
    ['2026-03-04 10:00', '2026-03-05 09:00', 'Wednesday → Thursday'],
    ['2026-03-04 23:30', '2026-03-05 09:00', 'late Wednesday → Thursday'],
    ['2026-03-05 00:00', '2026-03-06 09:00', 'just after midnight counts as the new day'],
    ['2026-03-06 10:00', '2026-03-09 09:00', 'Friday → Monday'],
    ['2026-02-13 10:00', '2026-02-14 09:00', 'Friday → make-up Saturday'],
    ['2026-02-14 10:00', '2026-02-24 09:00', 'make-up Saturday → after 春节'],
    ['2026-09-30 17:00', '2026-10-08 09:00', 'before National Day → after it'],
  ])('%s → %s (%s)', (from, expected) => {
    expect(nextWorkingDayStart(cal, at(from)).toISOString()).toBe(at(expected).toISOString());
  });

  it("uses the calendar's local date, not the UTC date", () => {
    // Thursday 20:00 UTC is already Friday 04:00 in Shanghai.
    expect(nextWorkingDayStart(cal, new Date('2026-03-05T20:00:00Z')).toISOString()).toBe(at('2026-03-09 09:00').toISOString());
  });

  it('fails instead of looping when no day is a working day', () => {
    const never = createWorkingCalendar({ timeZone: 'Asia/Shanghai', weekendDays: [0, 1, 2, 3, 4, 5, 6] });
    expectDomainError(() => nextWorkingDayStart(never, at('2026-03-04 10:00')), 'CALENDAR.NO_WORKING_DAYS');
  });
});

describe('createWorkingCalendar', () => {
  it('defaults to Monday–Friday 09:00–12:00 and 13:00–18:00', () => {
    const plain = createWorkingCalendar({ timeZone: 'Asia/Shanghai' });
    expect(plain.weekendDays).toEqual([0, 6]);
    expect(plain.businessHours).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ]);
  });

  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'CALENDAR.INVALID_TIME_ZONE'],
    [{ timeZone: 'Asia/Shanghai', businessHours: [{ start: '9:00', end: '12:00' }] }, 'CALENDAR.INVALID_BUSINESS_HOURS'],
    [{ timeZone: 'Asia/Shanghai', businessHours: [{ start: '12:00', end: '09:00' }] }, 'CALENDAR.INVALID_BUSINESS_HOURS'],
    [
      {
        timeZone: 'Asia/Shanghai',
        businessHours: [
          { start: '09:00', end: '13:00' },
          { start: '12:00', end: '18:00' },
        ],
      },
      'CALENDAR.INVALID_BUSINESS_HOURS',
    ],
    [{ timeZone: 'Asia/Shanghai', weekendDays: [7] }, 'CALENDAR.INVALID_WEEKEND_DAY'],
    [{ timeZone: 'Asia/Shanghai', holidays: ['2026/01/01'] }, 'CALENDAR.INVALID_DATE'],
  ])('rejects %j with %s', (init, code) => {
    expectDomainError(() => createWorkingCalendar(init), code);
  });
});
