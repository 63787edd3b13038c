import { DomainError } from './errors';

/** A local wall-clock reading in some time zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `timeZone` at `instant`, through Intl: no zone offset is hard-coded anywhere. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const fields = new Map(formatterFor(timeZone).formatToParts(instant).map((part) => [part.type, Number(part.value)]));
  const field = (type: Intl.DateTimeFormatPartTypes): number => fields.get(type) ?? NaN;
  return { year: field('year'), month: field('month'), day: field('day'), hour: field('hour'), minute: field('minute'), second: field('second') };
}

/** How far the zone's wall clock is ahead of UTC at an instant (negative west of Greenwich). */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  // formatToParts drops milliseconds, so compare against the whole second it actually formatted.
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const local = wallClock(new Date(wholeSecond), timeZone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - wholeSecond;
}

/**
 * The instant at which the zone's wall clock reads `localMs` (a wall-clock time written as if it
 * were UTC milliseconds). The offset is looked up twice: the first guess may sit on the other
 * side of a daylight-saving change.
 */
export function instantOfWallClock(localMs: number, timeZone: string): Date {
  const guess = localMs - zoneOffsetMs(timeZone, localMs);
  return new Date(localMs - zoneOffsetMs(timeZone, guess));
}

/** Throws `code` unless `timeZone` is an IANA zone Intl knows. */
export function assertTimeZone(timeZone: string, code: string): void {
  try {
    formatterFor(timeZone);
  } catch {
    throw new DomainError(code, `"${timeZone}" is not a known IANA time zone; configure one such as "Asia/Shanghai".`, { timeZone });
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
