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
const HOUR_MS = 3_600_000;
// Offsets by zone and UTC hour; zones change offset a few times a year at most.
const offsetsByHour = new Map<string, number>();
const MAX_CACHED_HOURS = 200_000;

/** The wall clock in `timeZone` at `instant` (to the second), through Intl: no zone offset is hard-coded anywhere. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const local = new Date(Math.floor(instant.getTime() / 1000) * 1000 + zoneOffsetMs(timeZone, instant.getTime()));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/**
 * How far the zone's wall clock is ahead of UTC at an instant (negative west of Greenwich).
 *
 * Intl is slow (a report over a month of cases asks tens of thousands of times), so the offset is
 * kept per UTC hour when it is the same at both ends of that hour; an hour with a change in it
 * (daylight saving, a zone's history) is asked of Intl every time.
 */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  const hourStart = Math.floor(instantMs / HOUR_MS) * HOUR_MS;
  const key = `${timeZone}|${hourStart}`;
  const cached = offsetsByHour.get(key);
  if (cached !== undefined) return cached;
  const atStart = intlOffsetMs(timeZone, hourStart);
  if (intlOffsetMs(timeZone, hourStart + HOUR_MS - 1000) !== atStart) return intlOffsetMs(timeZone, instantMs);
  if (offsetsByHour.size >= MAX_CACHED_HOURS) offsetsByHour.clear();
  offsetsByHour.set(key, atStart);
  return atStart;
}

/** The offset as Intl formats the instant's whole second in the zone. */
function intlOffsetMs(timeZone: string, instantMs: number): number {
  // formatToParts drops milliseconds, so compare against the whole second it actually formatted.
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const fields = new Map(formatterFor(timeZone).formatToParts(new Date(wholeSecond)).map((part) => [part.type, Number(part.value)]));
  const field = (type: Intl.DateTimeFormatPartTypes): number => fields.get(type) ?? NaN;
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second')) - wholeSecond;
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
