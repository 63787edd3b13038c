import { DomainError } from './errors';
import { assertTimeZone, instantOfWallClock, zoneOffsetMs } from './time-zone';

export interface BusinessInterval {
  start: string;
  end: string;
}

export interface WorkingCalendar {
  /** IANA zone, e.g. 'Asia/Shanghai'. */
  timeZone: string;
  /** 'HH:MM' local wall-clock intervals, sorted and non-overlapping; '24:00' may close the day. */
  businessHours: ReadonlyArray<BusinessInterval>;
  /** 0 = Sunday … 6 = Saturday. */
  weekendDays: ReadonlyArray<number>;
  /** 'YYYY-MM-DD' local dates that are days off. */
  holidays: ReadonlySet<string>;
  /** 'YYYY-MM-DD' weekend dates that are working days (调休). */
  makeUpWorkdays: ReadonlySet<string>;
}

export interface WorkingCalendarInit {
  timeZone: string;
  businessHours?: ReadonlyArray<BusinessInterval>;
  weekendDays?: ReadonlyArray<number>;
  holidays?: Iterable<string>;
  makeUpWorkdays?: Iterable<string>;
}

export const DEFAULT_BUSINESS_HOURS: ReadonlyArray<BusinessInterval> = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '18:00' },
];

export const DEFAULT_WEEKEND_DAYS: ReadonlyArray<number> = [0, 6];

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
// A year always contains a working day unless the calendar is misconfigured.
const MAX_DAYS_WITHOUT_WORK = 366;

/** Builds a calendar with the usual defaults and rejects configurations the calculations cannot honour. */
export function createWorkingCalendar(init: WorkingCalendarInit): WorkingCalendar {
  const calendar: WorkingCalendar = {
    timeZone: init.timeZone,
    businessHours: init.businessHours ?? DEFAULT_BUSINESS_HOURS,
    weekendDays: init.weekendDays ?? DEFAULT_WEEKEND_DAYS,
    holidays: new Set(init.holidays ?? []),
    makeUpWorkdays: new Set(init.makeUpWorkdays ?? []),
  };
  assertValid(calendar);
  return calendar;
}

export function isWorkingDay(cal: WorkingCalendar, localDate: string): boolean {
  return isWorkingDayNumber(cal, dayNumberOf(localDate));
}

export function workingMinutesPerDay(cal: WorkingCalendar): number {
  const ms = businessIntervals(cal).reduce((sum, interval) => sum + interval.end - interval.start, 0);
  return ms / MS_PER_MINUTE;
}

/**
 * The instant at which `minutes` of working time starting at `from` are used up. A budget that runs
 * out exactly at the end of a business interval ends there (18:00), not at the next opening.
 */
export function addWorkingMinutes(cal: WorkingCalendar, from: Date, minutes: number): Date {
  assertMinutes(minutes);
  if (minutes === 0) return new Date(from.getTime());
  const intervals = requireBusinessIntervals(cal);
  let remaining = minutes * MS_PER_MINUTE;
  let { day, msOfDay: cursor } = toLocal(cal, from);
  const guard = workingDayGuard(cal, day);
  for (;;) {
    if (guard.isWorkingDay(day)) {
      for (const interval of intervals) {
        const segmentStart = Math.max(cursor, interval.start);
        if (segmentStart >= interval.end) continue;
        const available = interval.end - segmentStart;
        if (remaining <= available) return toInstant(cal, day, segmentStart + remaining);
        remaining -= available;
      }
    }
    day += 1;
    cursor = 0;
  }
}

/** Working minutes inside [from, to); fractional when the instants carry seconds. */
export function workingMinutesBetween(cal: WorkingCalendar, from: Date, to: Date): number {
  if (to.getTime() <= from.getTime()) return 0;
  const intervals = businessIntervals(cal);
  const start = toLocal(cal, from);
  const end = toLocal(cal, to);
  let totalMs = 0;
  for (let day = start.day; day <= end.day; day += 1) {
    if (!isWorkingDayNumber(cal, day)) continue;
    const lower = day === start.day ? start.msOfDay : 0;
    const upper = day === end.day ? end.msOfDay : MS_PER_DAY;
    totalMs += overlapWithIntervals(intervals, lower, upper);
  }
  return totalMs / MS_PER_MINUTE;
}

/** Opening time of the first working day strictly after `from`'s local date. */
export function nextWorkingDayStart(cal: WorkingCalendar, from: Date): Date {
  const [opening] = requireBusinessIntervals(cal);
  const startDay = toLocal(cal, from).day;
  const guard = workingDayGuard(cal, startDay);
  let day = startDay + 1;
  while (!guard.isWorkingDay(day)) day += 1;
  return toInstant(cal, day, opening.start);
}

/** The 'YYYY-MM-DD' date in the calendar's zone at `instant`, e.g. to ask whether today is a working day. */
export function localDateAt(cal: WorkingCalendar, instant: Date): string {
  return localDateOf(toLocal(cal, instant).day);
}

/** Every 'YYYY-MM-DD' date from `from` to `to`, both included. */
export function localDatesInRange(from: string, to: string): string[] {
  const dates: string[] = [];
  const lastDay = dayNumberOf(to);
  for (let day = dayNumberOf(from); day <= lastDay; day += 1) dates.push(localDateOf(day));
  return dates;
}

interface MsInterval {
  start: number;
  end: number;
}

interface LocalPoint {
  /** Days since 1970-01-01 in the calendar's zone. */
  day: number;
  msOfDay: number;
}

/** A calendar's rules as numbers, worked out once: a report measures tens of thousands of cases against one calendar. */
interface CalendarTables {
  intervals: ReadonlyArray<MsInterval>;
  /** Day numbers (days since 1970-01-01) of the holidays and the make-up workdays. */
  holidays: ReadonlySet<number>;
  makeUpWorkdays: ReadonlySet<number>;
  /** By weekday, 0 = Sunday. */
  weekend: readonly boolean[];
}

const tablesByCalendar = new WeakMap<WorkingCalendar, CalendarTables>();

function tablesOf(cal: WorkingCalendar): CalendarTables {
  let tables = tablesByCalendar.get(cal);
  if (!tables) {
    tables = {
      intervals: parseBusinessIntervals(cal),
      holidays: dayNumbersOf(cal.holidays),
      makeUpWorkdays: dayNumbersOf(cal.makeUpWorkdays),
      weekend: Array.from({ length: 7 }, (_, weekday) => cal.weekendDays.includes(weekday)),
    };
    tablesByCalendar.set(cal, tables);
  }
  return tables;
}

// What is not a 'YYYY-MM-DD' date can never be a local date, so it is left out rather than refused.
function dayNumbersOf(dates: Iterable<string>): Set<number> {
  const days = new Set<number>();
  for (const date of dates) {
    const day = parseDayNumber(date);
    if (day !== null) days.add(day);
  }
  return days;
}

function isWorkingDayNumber(cal: WorkingCalendar, day: number): boolean {
  const tables = tablesOf(cal);
  if (tables.holidays.has(day)) return false;
  if (tables.makeUpWorkdays.has(day)) return true;
  return !tables.weekend[weekdayOf(day)];
}

/** Wraps the working-day test so that a calendar with no working days fails instead of looping forever. */
function workingDayGuard(cal: WorkingCalendar, startDay: number): { isWorkingDay(day: number): boolean } {
  let lastWorkingDay = startDay;
  return {
    isWorkingDay(day) {
      if (isWorkingDayNumber(cal, day)) {
        lastWorkingDay = day;
        return true;
      }
      if (day - lastWorkingDay > MAX_DAYS_WITHOUT_WORK) {
        throw new DomainError(
          'CALENDAR.NO_WORKING_DAYS',
          `No working day within ${MAX_DAYS_WITHOUT_WORK} days after ${localDateOf(startDay)}; check the weekend days and holidays of the calendar.`,
          { from: localDateOf(startDay) },
        );
      }
      return false;
    },
  };
}

function overlapWithIntervals(intervals: ReadonlyArray<MsInterval>, lower: number, upper: number): number {
  let overlap = 0;
  for (const interval of intervals) {
    overlap += Math.max(0, Math.min(upper, interval.end) - Math.max(lower, interval.start));
  }
  return overlap;
}

function requireBusinessIntervals(cal: WorkingCalendar): readonly [MsInterval, ...MsInterval[]] {
  const intervals = businessIntervals(cal);
  if (!isNonEmpty(intervals)) {
    throw new DomainError('CALENDAR.NO_BUSINESS_HOURS', 'The working calendar has no business hours; configure at least one interval.');
  }
  return intervals;
}

function isNonEmpty<T>(items: ReadonlyArray<T>): items is readonly [T, ...T[]] {
  return items.length > 0;
}

function businessIntervals(cal: WorkingCalendar): ReadonlyArray<MsInterval> {
  return tablesOf(cal).intervals;
}

function parseBusinessIntervals(cal: WorkingCalendar): ReadonlyArray<MsInterval> {
  const intervals = cal.businessHours.map((interval) => ({
    start: msOfClockTime(interval.start),
    end: msOfClockTime(interval.end),
  }));
  intervals.forEach((interval, index) => {
    const previous = intervals[index - 1];
    if (interval.start >= interval.end || (previous !== undefined && previous.end > interval.start)) {
      throw new DomainError(
        'CALENDAR.INVALID_BUSINESS_HOURS',
        'Business hours must be sorted, non-overlapping intervals with start before end.',
        { businessHours: cal.businessHours },
      );
    }
  });
  return intervals;
}

function msOfClockTime(clockTime: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clockTime);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || minutes > 59 || hours * 60 + minutes > 24 * 60) {
    throw new DomainError('CALENDAR.INVALID_BUSINESS_HOURS', `"${clockTime}" is not a clock time; use 'HH:MM' between 00:00 and 24:00.`, {
      clockTime,
    });
  }
  return (hours * 60 + minutes) * MS_PER_MINUTE;
}

function assertValid(cal: WorkingCalendar): void {
  assertTimeZone(cal.timeZone, 'CALENDAR.INVALID_TIME_ZONE');
  businessIntervals(cal);
  cal.weekendDays.forEach(assertWeekday);
  for (const date of [...cal.holidays, ...cal.makeUpWorkdays]) dayNumberOf(date);
}

function assertMinutes(minutes: number): void {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new DomainError('CALENDAR.INVALID_MINUTES', `Working minutes must be a finite, non-negative number; got ${minutes}.`, { minutes });
  }
}

function assertWeekday(day: number): void {
  if (!Number.isInteger(day) || day < 0 || day > 6) {
    throw new DomainError('CALENDAR.INVALID_WEEKEND_DAY', `Weekend days are 0 (Sunday) to 6 (Saturday); got ${day}.`, { day });
  }
}

function dayNumberOf(localDate: string): number {
  const day = parseDayNumber(localDate);
  if (day === null) throw new DomainError('CALENDAR.INVALID_DATE', `"${localDate}" is not a date; use 'YYYY-MM-DD'.`, { localDate });
  return day;
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date; null for anything else (2026-02-30 included). */
function parseDayNumber(localDate: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  return Number.isNaN(ms) || localDateOf(ms / MS_PER_DAY) !== localDate ? null : ms / MS_PER_DAY;
}

function localDateOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

// 1970-01-01, day 0, was a Thursday.
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

// Calendar arithmetic happens on local wall-clock time; only the edges convert through the zone.
function toLocal(cal: WorkingCalendar, instant: Date): LocalPoint {
  const localMs = instant.getTime() + zoneOffsetMs(cal.timeZone, instant.getTime());
  const day = Math.floor(localMs / MS_PER_DAY);
  return { day, msOfDay: localMs - day * MS_PER_DAY };
}

function toInstant(cal: WorkingCalendar, day: number, msOfDay: number): Date {
  return instantOfWallClock(day * MS_PER_DAY + msOfDay, cal.timeZone);
}

