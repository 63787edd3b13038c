import { DomainError } from './errors';
import { assertTimeZone, wallClock } from './time-zone';

/** Case-number prefixes per case type are configuration; these are the defaults. */
export const DEFAULT_CASE_NUMBER_PREFIXES = {
  complaint: 'TS', // 投诉
  suggestion: 'JY', // 建议
  report: 'JB', // 举报
} as const;

export interface ParsedCaseNumber {
  prefix: string;
  year: number;
  month: number;
  serial: number;
  /** The number in canonical form (upper case, ASCII), the form stored in the database. */
  caseNumber: string;
}

// ASCII hyphen, full-width hyphen (U+FF0D), hyphen..em dash (U+2010-2014), minus sign, small hyphen.
const DASH = '[-\\uFF0D\\u2010-\\u2014\\u2212\\uFE63]';

const PREFIX = /^[A-Z]{1,10}$/;
const COUNTER_KEY = /^([A-Z]{1,10})-(\d{4})(\d{2})$/;
// A serial is padded to exactly 4 digits and only longer when it needs to be, so every
// number has one spelling and parse → format round-trips.
const CANONICAL = /^([A-Z]{1,10})-(\d{4})(\d{2})-(\d{4}|[1-9]\d{4,})$/;

/**
 * Finds a case number in free text ("查询 TS-202611-0001 进度"), also when typed with
 * full-width characters or in lower case. Not global, so it carries no lastIndex state;
 * use findCaseNumbers to get every match validated.
 */
export const CASE_NUMBER_PATTERN = new RegExp(
  `(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])[A-Za-zＡ-Ｚａ-ｚ]{1,10}${DASH}[0-9０-９]{6}${DASH}[0-9０-９]{4,}(?![0-9０-９])`,
);

/** Full-width letters/digits to ASCII and the dashes Chinese input methods produce to '-'. */
function normalise(text: string): string {
  return text
    .replace(/[Ａ-Ｚａ-ｚ０-９]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    .replace(new RegExp(DASH, 'g'), '-');
}

function localYearMonth(at: Date, timeZone: string): { year: string; month: string } {
  assertTimeZone(timeZone, 'CASE_NUMBER.INVALID_TIME_ZONE');
  const local = wallClock(at, timeZone);
  return { year: String(local.year).padStart(4, '0'), month: String(local.month).padStart(2, '0') };
}

/**
 * Key of the monthly counter the database increments, e.g. 'TS-202611'. The month is the
 * local month in `timeZone`, because that is the month staff and complainants see.
 */
export function counterKey(prefix: string, at: Date, timeZone: string): string {
  if (!PREFIX.test(prefix)) {
    throw new DomainError(
      'CASE_NUMBER.INVALID_PREFIX',
      `Case-number prefix "${prefix}" is invalid; configure 1 to 10 upper-case letters A-Z such as "TS"`,
      { prefix },
    );
  }
  if (Number.isNaN(at.getTime())) {
    throw new DomainError(
      'CASE_NUMBER.INVALID_DATE',
      'Cannot number a case at an invalid date; pass the current time from the clock',
      { prefix },
    );
  }
  const { year, month } = localYearMonth(at, timeZone);
  return `${prefix}-${year}${month}`;
}

export function formatCaseNumber(key: string, serial: number): string {
  const match = COUNTER_KEY.exec(key);
  if (match === null || !isMonth(Number(match[3]))) {
    throw new DomainError(
      'CASE_NUMBER.INVALID_COUNTER_KEY',
      `Counter key "${key}" is not of the form PREFIX-YYYYMM; build it with counterKey()`,
      { counterKey: key },
    );
  }
  if (!Number.isSafeInteger(serial) || serial < 1) {
    throw new DomainError(
      'CASE_NUMBER.INVALID_SERIAL',
      `Serial ${serial} is invalid; monthly serials are whole numbers starting at 1`,
      { counterKey: key, serial },
    );
  }
  return `${key}-${String(serial).padStart(4, '0')}`;
}

/** Parses a case number typed by a person; null when the text is not exactly one case number. */
export function parseCaseNumber(text: string): ParsedCaseNumber | null {
  const candidate = normalise(text.trim()).toUpperCase();
  const match = CANONICAL.exec(candidate);
  if (match === null) return null;
  const [, prefix, year, month, serial] = match;
  if (prefix === undefined || year === undefined || month === undefined || serial === undefined) {
    return null;
  }
  const parsed = { prefix, year: Number(year), month: Number(month), serial: Number(serial) };
  if (!isMonth(parsed.month) || parsed.serial < 1 || !Number.isSafeInteger(parsed.serial)) return null;
  return { ...parsed, caseNumber: candidate };
}

/** Every valid case number mentioned in free text, in order of appearance, without duplicates. */
export function findCaseNumbers(text: string): ParsedCaseNumber[] {
  const found = new Map<string, ParsedCaseNumber>();
  for (const match of text.matchAll(new RegExp(CASE_NUMBER_PATTERN.source, 'g'))) {
    const parsed = parseCaseNumber(match[0]);
    if (parsed !== null && !found.has(parsed.caseNumber)) found.set(parsed.caseNumber, parsed);
  }
  return [...found.values()];
}

function isMonth(month: number): boolean {
  return month >= 1 && month <= 12;
}
