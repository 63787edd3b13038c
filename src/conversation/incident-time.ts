import { instantOfWallClock, wallClock } from '../domain/time-zone';

export type IncidentPrecision = 'minute' | 'hour' | 'partOfDay' | 'day' | 'month';

export type IncidentTime =
  /** `at` is the start of the period for coarse precisions; for partOfDay a representative hour of it. */
  | { kind: 'known'; at: Date; precision: IncidentPrecision }
  | { kind: 'unknown' };

export type IncidentTimeResult = IncidentTime | { kind: 'unparsed' } | { kind: 'future'; at: Date };

export type IncidentTimeLocale = 'zh-Hans' | 'zh-Hant' | 'en';

type PartOfDay = 'smallHours' | 'earlyMorning' | 'morning' | 'noon' | 'afternoon' | 'dusk' | 'evening';

type WeekRef = 'beforePrevious' | 'previous' | 'this' | 'next' | 'mostRecent' | 'lastBeforeToday';

type YearRef = { absolute: number } | { relative: number };

type DateFacet =
  | { kind: 'dayOffset'; days: number }
  | { kind: 'weekday'; weekday: number; week: WeekRef }
  | { kind: 'monthDay'; year?: YearRef; month: number; day: number }
  | { kind: 'dayOfMonth'; day: number }
  | { kind: 'month'; year?: YearRef; month: number }
  | { kind: 'monthOffset'; months: number };

interface Clock {
  hour: number;
  minute?: number;
  meridiem?: 'am' | 'pm';
}

/** What the pieces of a sentence said; each piece may be said at most once. */
interface Facets {
  date?: DateFacet;
  part?: PartOfDay;
  clock?: Clock;
  elapsed?: { minutes: number; precision: 'minute' | 'hour' };
}

interface Token {
  pattern: RegExp;
  /** undefined: the words matched but say something impossible (31 February), so the whole text fails. */
  read(match: RegExpExecArray): Facets | undefined;
}

interface LocalToday {
  day: number;
  year: number;
  month: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
// Clocks drift and people round up, so "just now" at 10:31 for a 10:30 server clock is not the future.
const FUTURE_TOLERANCE_MS = 5 * MS_PER_MINUTE;
// A chat answer to "when did it happen?" is short; longer text is a story the bot should not guess from.
const MAX_INPUT_LENGTH = 120;

const PARTS: Record<PartOfDay, { representativeHour: number; startHour: number; zh: string; en: string }> = {
  smallHours: { representativeHour: 3, startHour: 0, zh: '凌晨', en: 'early hours' },
  earlyMorning: { representativeHour: 7, startHour: 5, zh: '早上', en: 'early morning' },
  morning: { representativeHour: 9, startHour: 8, zh: '上午', en: 'morning' },
  noon: { representativeHour: 12, startHour: 11, zh: '中午', en: 'noon' },
  afternoon: { representativeHour: 15, startHour: 13, zh: '下午', en: 'afternoon' },
  dusk: { representativeHour: 18, startHour: 17, zh: '傍晚', en: 'early evening' },
  evening: { representativeHour: 20, startHour: 19, zh: '晚上', en: 'evening' },
};

const PART_ORDER: readonly PartOfDay[] = ['smallHours', 'earlyMorning', 'morning', 'noon', 'afternoon', 'dusk', 'evening'];

// Only the traditional characters of the vocabulary below; the rest of a sentence never needs converting.
const TRADITIONAL_TO_SIMPLIFIED: Record<string, string> = {
  點: '点', 時: '时', 週: '周', 號: '号', 禮: '礼', 後: '后', 這: '这', 記: '记', 剛: '刚', 兩: '两',
  個: '个', 鐘: '钟', 鍾: '钟', 頭: '头', 間: '间', 裡: '里', 約: '约', 應: '应', 該: '该', 來: '来',
  幾: '几', 淩: '凌', 確: '确', 沒: '没', 發: '发', 於: '于', 憶: '忆', 麼: '么', 現: '现',
};

const UNKNOWN_PHRASES: readonly RegExp[] = [
  /不记得|记不清|记不得|记不起|忘了|忘记|不清楚|不知道|想不起|不确定|没印象/,
  /\b(?:do ?n'?t|do not|can'?t|cannot|can not) (?:remember|recall|know)\b/,
  /\b(?:not sure|unsure|unknown|no idea|forgot|forget|not remembered)\b/,
];

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

const NUM = '\\d{1,2}|[零〇一二两三四五六七八九十]{1,3}';
const YEAR = '\\d{4}|[零〇一二三四五六七八九]{4}';
const EN_END = '(?![a-z])';

const EN_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const EN_MONTH =
  '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?';
const EN_WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const EN_WEEKDAY = '(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)';
const EN_COUNT = '(\\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)';
const EN_COUNTS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
};

const ZH_RELATIVE_DAYS: Record<string, Facets> = {
  今天: { date: { kind: 'dayOffset', days: 0 } },
  今日: { date: { kind: 'dayOffset', days: 0 } },
  今早: { date: { kind: 'dayOffset', days: 0 }, part: 'earlyMorning' },
  今晨: { date: { kind: 'dayOffset', days: 0 }, part: 'earlyMorning' },
  今晚: { date: { kind: 'dayOffset', days: 0 }, part: 'evening' },
  昨天: { date: { kind: 'dayOffset', days: -1 } },
  昨日: { date: { kind: 'dayOffset', days: -1 } },
  昨晚: { date: { kind: 'dayOffset', days: -1 }, part: 'evening' },
  昨夜: { date: { kind: 'dayOffset', days: -1 }, part: 'evening' },
  前天: { date: { kind: 'dayOffset', days: -2 } },
  前晚: { date: { kind: 'dayOffset', days: -2 }, part: 'evening' },
  大前天: { date: { kind: 'dayOffset', days: -3 } },
  刚才: { elapsed: { minutes: 0, precision: 'minute' } },
  刚刚: { elapsed: { minutes: 0, precision: 'minute' } },
};

const ZH_PARTS: Record<string, PartOfDay> = {
  凌晨: 'smallHours',
  早上: 'earlyMorning',
  早晨: 'earlyMorning',
  清晨: 'earlyMorning',
  上午: 'morning',
  中午: 'noon',
  下午: 'afternoon',
  傍晚: 'dusk',
  晚上: 'evening',
  晚间: 'evening',
};

const EN_PARTS: Record<string, PartOfDay> = {
  morning: 'morning',
  noon: 'noon',
  midday: 'noon',
  afternoon: 'afternoon',
  evening: 'evening',
  night: 'evening',
};

const ZH_WEEK_PREFIXES: Record<string, WeekRef> = { 上上: 'beforePrevious', 上: 'previous', 这: 'this', 本: 'this', 下: 'next' };
const ZH_WEEKDAYS: Record<string, number> = { 日: 0, 天: 0, 七: 0, 7: 0, 一: 1, 1: 1, 二: 2, 2: 2, 三: 3, 3: 3, 四: 4, 4: 4, 五: 5, 5: 5, 六: 6, 6: 6 };
const EN_WEEK_PREFIXES: Record<string, WeekRef> = { last: 'lastBeforeToday', past: 'lastBeforeToday', previous: 'lastBeforeToday', this: 'this', next: 'next' };
const ZH_YEAR_WORDS: Record<string, number> = { 今年: 0, 去年: -1, 前年: -2 };

const FILLERS = new RegExp(
  '^(?:\\s+|[,.!?~;:、。~～…]+' +
    '|大概|大约|约|差不多|应该是|应该|可能是|可能|好像是|好像|发生在|发生于|发生的|发生|是在|是|在|于|的时候|时候|的|左右|前后|那天|那时|吧|啊|呀|了' +
    `|(?:about|around|approximately|approx|roughly|maybe|probably|perhaps|sometime|it was|was|it happened|happened|i think|i guess|at|on|in|the)${EN_END})`,
);

const TOKENS: readonly Token[] = [
  { pattern: /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[日号]?(?!\d)/, read: (m) => monthDay(m[2], m[3], { absolute: Number(m[1]) }) },
  { pattern: /^(\d{1,2})\/(\d{1,2})(?![\d/])/, read: (m) => slashMonthDay(Number(m[1]), Number(m[2])) },
  { pattern: new RegExp(`^(\\d{1,2}):(\\d{2})(?:\\s*(am|pm))?(?!\\d)${EN_END}`), read: (m) => clock(m[1], m[2], m[3]) },
  { pattern: new RegExp(`^(${NUM})个?(半)?(?:小时|钟头)(?:以)?前`), read: (m) => hoursAgo(m[1], m[2] !== undefined) },
  { pattern: /^半个?(?:小时|钟头)(?:以)?前/, read: () => elapsed(30, 'minute') },
  { pattern: new RegExp(`^(${NUM})分钟?(?:以)?前`), read: (m) => minutesAgo(m[1]) },
  { pattern: new RegExp(`^(${NUM})[天日](?:以)?前`), read: (m) => daysAgo(m[1], 1) },
  { pattern: new RegExp(`^(${NUM})个?(?:星期|礼拜|周)(?:以)?前`), read: (m) => daysAgo(m[1], 7) },
  { pattern: new RegExp(`^(${NUM})个月(?:以)?前`), read: (m) => monthsAgo(m[1]) },
  { pattern: keyedPattern(ZH_RELATIVE_DAYS), read: (m) => ZH_RELATIVE_DAYS[m[1] ?? ''] },
  {
    pattern: /^(上上|上|这|本|下)?个?(?:周|星期|礼拜)([日天一二三四五六七1-7])/,
    read: (m) => weekday(ZH_WEEKDAYS[m[2] ?? ''], m[1] === undefined ? 'mostRecent' : ZH_WEEK_PREFIXES[m[1]]),
  },
  {
    pattern: new RegExp(`^(?:(${YEAR})年|(今年|去年|前年))?(${NUM})月(${NUM})[日号]?(?!\\d)`),
    read: (m) => monthDay(m[3], m[4], yearRef(m[1], m[2])),
  },
  { pattern: new RegExp(`^(${NUM})[日号]`), read: (m) => dayOfMonth(m[1]) },
  { pattern: new RegExp(`^(?:(${YEAR})年|(今年|去年|前年))?(${NUM})月份?`), read: (m) => month(m[3], yearRef(m[1], m[2])) },
  { pattern: /^(上个?月|这个?月|本月)/, read: (m) => ({ date: { kind: 'monthOffset', months: m[1]?.startsWith('上') ? -1 : 0 } }) },
  {
    pattern: new RegExp(`^(${NUM})[点时]钟?(?:(半)|([13])刻|([一三])刻|(${NUM})分?)?多?`),
    read: (m) => chineseClock(m[1], m[2], m[3] ?? m[4], m[5]),
  },
  { pattern: keyedPattern(ZH_PARTS), read: (m) => ({ part: ZH_PARTS[m[1] ?? ''] }) },
  { pattern: new RegExp(`^(?:just now|right now|now)${EN_END}`), read: () => elapsed(0, 'minute') },
  { pattern: new RegExp(`^half an hour ago${EN_END}`), read: () => elapsed(30, 'minute') },
  { pattern: new RegExp(`^${EN_COUNT}\\s+(minute|min|hour|hr|day|week|month)s?\\s+ago${EN_END}`), read: (m) => englishAgo(m[1], m[2]) },
  { pattern: new RegExp(`^(?:the\\s+)?day\\s+before\\s+yesterday${EN_END}`), read: () => ({ date: { kind: 'dayOffset', days: -2 } }) },
  { pattern: new RegExp(`^yesterday${EN_END}`), read: () => ({ date: { kind: 'dayOffset', days: -1 } }) },
  { pattern: new RegExp(`^today${EN_END}`), read: () => ({ date: { kind: 'dayOffset', days: 0 } }) },
  { pattern: new RegExp(`^tonight${EN_END}`), read: () => ({ date: { kind: 'dayOffset', days: 0 }, part: 'evening' }) },
  { pattern: new RegExp(`^last\\s+night${EN_END}`), read: () => ({ date: { kind: 'dayOffset', days: -1 }, part: 'evening' }) },
  {
    pattern: new RegExp(`^this\\s+(morning|afternoon|evening)${EN_END}`),
    read: (m) => ({ date: { kind: 'dayOffset', days: 0 }, part: EN_PARTS[m[1] ?? ''] }),
  },
  { pattern: new RegExp(`^(morning|noon|midday|afternoon|evening|night)${EN_END}`), read: (m) => ({ part: EN_PARTS[m[1] ?? ''] }) },
  {
    pattern: new RegExp(`^(?:(last|past|previous|this|next)\\s+)?${EN_WEEKDAY}${EN_END}`),
    read: (m) => weekday(englishWeekday(m[2]), m[1] === undefined ? 'mostRecent' : EN_WEEK_PREFIXES[m[1]]),
  },
  {
    pattern: new RegExp(`^${EN_MONTH}\\s*(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?(?![a-z\\d:])`),
    read: (m) => monthDay(englishMonth(m[1]), m[2], m[3] === undefined ? undefined : { absolute: Number(m[3]) }),
  },
  {
    pattern: new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?\\s*(?:of\\s+)?${EN_MONTH}(?:,?\\s+(\\d{4}))?(?![a-z\\d:])`),
    read: (m) => monthDay(englishMonth(m[2]), m[1], m[3] === undefined ? undefined : { absolute: Number(m[3]) }),
  },
  { pattern: new RegExp(`^(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)${EN_END}`), read: (m) => dayOfMonth(m[1]) },
  {
    pattern: new RegExp(`^${EN_MONTH}(?:\\s+(\\d{4}))?(?![a-z\\d])`),
    read: (m) => month(englishMonth(m[1]), m[2] === undefined ? undefined : { absolute: Number(m[2]) }),
  },
  { pattern: new RegExp(`^(last|this)\\s+month${EN_END}`), read: (m) => ({ date: { kind: 'monthOffset', months: m[1] === 'last' ? -1 : 0 } }) },
  { pattern: new RegExp(`^(\\d{1,2})\\s*(am|pm)${EN_END}`), read: (m) => clock(m[1], undefined, m[2]) },
  { pattern: new RegExp(`^(\\d{1,2})\\s*o'?clock${EN_END}`), read: (m) => clock(m[1], undefined, undefined) },
  // A bare number is only a clock hour after "at"; "at 3 pm" falls through to the am/pm token.
  { pattern: /^at\s+(\d{1,2})(?!\s*(?:[\d:]|am|pm|o'?clock))/, read: (m) => clock(m[1], undefined, undefined) },
];

export function parseIncidentTime(text: string, now: Date, timeZone: string): IncidentTimeResult {
  const normalised = normalise(text);
  if (normalised === '' || normalised.length > MAX_INPUT_LENGTH) return { kind: 'unparsed' };
  if (UNKNOWN_PHRASES.some((phrase) => phrase.test(normalised))) return { kind: 'unknown' };
  const facets = readFacets(normalised);
  if (facets === undefined) return { kind: 'unparsed' };
  const resolved = resolve(facets, now, timeZone);
  if (resolved === undefined) return { kind: 'unparsed' };
  if (resolved.at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return { kind: 'future', at: resolved.at };
  return { kind: 'known', ...resolved };
}

export function formatIncidentTime(t: IncidentTime, locale: IncidentTimeLocale, timeZone: string): string {
  if (t.kind === 'unknown') return UNKNOWN_LABELS[locale];
  const local = wallClock(t.at, timeZone);
  return locale === 'en' ? formatEnglish(local, t.precision) : formatChinese(local, t.precision);
}

const UNKNOWN_LABELS: Record<IncidentTimeLocale, string> = { 'zh-Hans': '不记得', 'zh-Hant': '不記得', en: 'not remembered' };
const EN_MONTH_LABELS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

// The labels of the part of the day are the same characters in both scripts, so one Chinese formatter serves both.
function formatChinese(local: LocalFields, precision: IncidentPrecision): string {
  const date = `${local.year}年${local.month}月`;
  if (precision === 'month') return date;
  const day = `${date}${local.day}日`;
  if (precision === 'day') return day;
  if (precision === 'partOfDay') return `${day}${PARTS[partOfHour(local.hour)].zh}`;
  return `${day} ${clockText(local)}`;
}

function formatEnglish(local: LocalFields, precision: IncidentPrecision): string {
  const month = `${EN_MONTH_LABELS[local.month - 1] ?? ''} ${local.year}`;
  if (precision === 'month') return month;
  const day = `${local.day} ${month}`;
  if (precision === 'day') return day;
  if (precision === 'partOfDay') return `${day}, ${PARTS[partOfHour(local.hour)].en}`;
  return `${day} ${clockText(local)}`;
}

function clockText(local: LocalFields): string {
  return `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
}

function partOfHour(hour: number): PartOfDay {
  let found: PartOfDay = 'smallHours';
  for (const part of PART_ORDER) if (PARTS[part].startHour <= hour) found = part;
  return found;
}

function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\b([ap])\.m\.?/g, '$1m')
    .replace(/[\u4e00-\u9fff]/g, (ch) => TRADITIONAL_TO_SIMPLIFIED[ch] ?? ch)
    // Chinese needs no spaces, and "3 点" or "11 月 20 日" should read like "3点".
    .replace(/\s*([\u3000-\u303f\u4e00-\u9fff])\s*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads the whole text as time expressions and fillers; any word left over means it is not (only) a time. */
function readFacets(text: string): Facets | undefined {
  let facets: Facets = {};
  let rest = text;
  while (rest !== '') {
    const token = readToken(rest);
    if (token === 'invalid') return undefined;
    if (token !== undefined) {
      const merged = mergeFacets(facets, token.facets);
      if (merged === undefined) return undefined;
      facets = merged;
      rest = rest.slice(token.length);
      continue;
    }
    const filler = FILLERS.exec(rest);
    if (filler === null) return undefined;
    rest = rest.slice(filler[0].length);
  }
  return isCoherent(facets) ? facets : undefined;
}

function readToken(text: string): { facets: Facets; length: number } | 'invalid' | undefined {
  for (const token of TOKENS) {
    const match = token.pattern.exec(text);
    if (match === null) continue;
    const facets = token.read(match);
    return facets === undefined ? 'invalid' : { facets, length: match[0].length };
  }
  return undefined;
}

function mergeFacets(a: Facets, b: Facets): Facets | undefined {
  const saysTwice = (Object.keys(b) as Array<keyof Facets>).some((key) => a[key] !== undefined && b[key] !== undefined);
  return saysTwice ? undefined : { ...a, ...b };
}

function isCoherent(facets: Facets): boolean {
  const { date, part, clock: time, elapsed: ago } = facets;
  if (ago !== undefined) return date === undefined && part === undefined && time === undefined;
  if (date?.kind === 'month' || date?.kind === 'monthOffset') return part === undefined && time === undefined;
  return date !== undefined || part !== undefined || time !== undefined;
}

function keyedPattern(table: Record<string, unknown>): RegExp {
  const keys = Object.keys(table).sort((a, b) => b.length - a.length);
  return new RegExp(`^(${keys.join('|')})`);
}

function chineseNumber(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const tenAt = text.indexOf('十');
  if (tenAt < 0) return digitByDigit(text);
  const tens = tenAt === 0 ? 1 : digitByDigit(text.slice(0, tenAt));
  const ones = tenAt === text.length - 1 ? 0 : digitByDigit(text.slice(tenAt + 1));
  if (tens === undefined || ones === undefined || tens > 9 || ones > 9) return undefined;
  return tens * 10 + ones;
}

function digitByDigit(text: string): number | undefined {
  let value = 0;
  for (const ch of text) {
    const digit = CN_DIGITS[ch];
    if (digit === undefined) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

function elapsed(minutes: number, precision: 'minute' | 'hour'): Facets {
  return { elapsed: { minutes, precision } };
}

function hoursAgo(count: string | undefined, andAHalf: boolean): Facets | undefined {
  const hours = chineseNumber(count);
  if (hours === undefined) return undefined;
  return andAHalf ? elapsed(hours * 60 + 30, 'minute') : elapsed(hours * 60, 'hour');
}

function minutesAgo(count: string | undefined): Facets | undefined {
  const minutes = chineseNumber(count);
  return minutes === undefined ? undefined : elapsed(minutes, 'minute');
}

function daysAgo(count: string | undefined, daysPerUnit: number): Facets | undefined {
  const units = chineseNumber(count);
  return units === undefined ? undefined : { date: { kind: 'dayOffset', days: -units * daysPerUnit } };
}

function monthsAgo(count: string | undefined): Facets | undefined {
  const months = chineseNumber(count);
  return months === undefined ? undefined : { date: { kind: 'monthOffset', months: -months } };
}

function englishAgo(count: string | undefined, unit: string | undefined): Facets | undefined {
  const n = count === undefined ? undefined : (EN_COUNTS[count] ?? Number(count));
  if (n === undefined || Number.isNaN(n)) return undefined;
  switch (unit) {
    case 'minute':
    case 'min':
      return elapsed(n, 'minute');
    case 'hour':
    case 'hr':
      return elapsed(n * 60, 'hour');
    case 'day':
      return { date: { kind: 'dayOffset', days: -n } };
    case 'week':
      return { date: { kind: 'dayOffset', days: -7 * n } };
    case 'month':
      return { date: { kind: 'monthOffset', months: -n } };
    default:
      return undefined;
  }
}

function weekday(day: number | undefined, week: WeekRef | undefined): Facets | undefined {
  if (day === undefined || week === undefined) return undefined;
  return { date: { kind: 'weekday', weekday: day, week } };
}

function englishWeekday(name: string | undefined): number | undefined {
  const index = EN_WEEKDAYS.findIndex((day) => name?.startsWith(day));
  return index < 0 ? undefined : index;
}

function englishMonth(name: string | undefined): string | undefined {
  const index = EN_MONTHS.findIndex((month) => name?.startsWith(month));
  return index < 0 ? undefined : String(index + 1);
}

function yearRef(absolute: string | undefined, word: string | undefined): YearRef | undefined {
  if (absolute !== undefined) {
    const year = chineseNumber(absolute);
    return year === undefined ? undefined : { absolute: year };
  }
  return word === undefined ? undefined : { relative: ZH_YEAR_WORDS[word] ?? 0 };
}

function monthDay(monthText: string | undefined, dayText: string | undefined, year: YearRef | undefined): Facets | undefined {
  const monthNumber = chineseNumber(monthText);
  const day = chineseNumber(dayText);
  if (monthNumber === undefined || day === undefined || !isMonth(monthNumber) || day < 1 || day > 31) return undefined;
  return { date: { kind: 'monthDay', month: monthNumber, day, ...(year === undefined ? {} : { year }) } };
}

/** "11/20" is month/day as written in Chinese; "20/11" can only be day/month. */
function slashMonthDay(first: number, second: number): Facets | undefined {
  const [monthNumber, day] = first > 12 && second <= 12 ? [second, first] : [first, second];
  return monthDay(String(monthNumber), String(day), undefined);
}

function dayOfMonth(dayText: string | undefined): Facets | undefined {
  const day = chineseNumber(dayText);
  if (day === undefined || day < 1 || day > 31) return undefined;
  return { date: { kind: 'dayOfMonth', day } };
}

function month(monthText: string | undefined, year: YearRef | undefined): Facets | undefined {
  const monthNumber = chineseNumber(monthText);
  if (monthNumber === undefined || !isMonth(monthNumber)) return undefined;
  return { date: { kind: 'month', month: monthNumber, ...(year === undefined ? {} : { year }) } };
}

function chineseClock(
  hourText: string | undefined,
  half: string | undefined,
  quarters: string | undefined,
  minuteText: string | undefined,
): Facets | undefined {
  if (half !== undefined) return clock(hourText, '30', undefined);
  if (quarters !== undefined) return clock(hourText, quarters === '1' || quarters === '一' ? '15' : '45', undefined);
  return clock(hourText, minuteText, undefined);
}

function clock(hourText: string | undefined, minuteText: string | undefined, meridiem: string | undefined): Facets | undefined {
  const hour = chineseNumber(hourText);
  const minute = minuteText === undefined ? undefined : chineseNumber(minuteText);
  if (hour === undefined || hour > 24 || (minuteText !== undefined && (minute === undefined || minute > 59))) return undefined;
  if (meridiem !== undefined && (hour < 1 || hour > 12)) return undefined;
  const time: Clock = { hour };
  if (minute !== undefined) time.minute = minute;
  if (meridiem === 'am' || meridiem === 'pm') time.meridiem = meridiem;
  return { clock: time };
}

function isMonth(value: number): boolean {
  return value >= 1 && value <= 12;
}

function resolve(facets: Facets, now: Date, timeZone: string): { at: Date; precision: IncidentPrecision } | undefined {
  if (facets.elapsed !== undefined) {
    const at = new Date(Math.floor(now.getTime() / MS_PER_MINUTE) * MS_PER_MINUTE - facets.elapsed.minutes * MS_PER_MINUTE);
    return { at, precision: facets.elapsed.precision };
  }
  const today = localToday(now, timeZone);
  const date: DateFacet = facets.date ?? { kind: 'dayOffset', days: 0 };
  if (date.kind === 'month' || date.kind === 'monthOffset') {
    const start = monthStart(date, today);
    return start === undefined ? undefined : { at: toInstant(start, 0, timeZone), precision: 'month' };
  }
  const day = dayOf(date, today);
  if (day === undefined) return undefined;
  if (facets.clock !== undefined) {
    const minuteOfDay = minuteOfDayOf(facets.clock, facets.part);
    if (minuteOfDay === undefined) return undefined;
    return { at: toInstant(day, minuteOfDay, timeZone), precision: facets.clock.minute === undefined ? 'hour' : 'minute' };
  }
  if (facets.part !== undefined) return { at: partInstant(day, facets.part, now, timeZone), precision: 'partOfDay' };
  return { at: toInstant(day, 0, timeZone), precision: 'day' };
}

/** The representative hour, unless it is still to come in a period that has already begun ("this afternoon" said at 14:00). */
function partInstant(day: number, part: PartOfDay, now: Date, timeZone: string): Date {
  const representative = toInstant(day, PARTS[part].representativeHour * 60, timeZone);
  const start = toInstant(day, PARTS[part].startHour * 60, timeZone);
  const isLaterToday = representative.getTime() > now.getTime() + FUTURE_TOLERANCE_MS && start.getTime() <= now.getTime();
  return isLaterToday ? start : representative;
}

function minuteOfDayOf(time: Clock, part: PartOfDay | undefined): number | undefined {
  const hour = time.meridiem === undefined ? time.hour : hourByMeridiem(time.hour, time.meridiem);
  const inPart = part === undefined ? hour : hourInPart(hour, part);
  // "this morning at 3pm" contradicts itself; "last night at 1am" is the small hours after it.
  if (inPart === undefined || (time.meridiem !== undefined && inPart % 24 !== hour)) return undefined;
  return inPart * 60 + (time.minute ?? 0);
}

function hourByMeridiem(hour: number, meridiem: 'am' | 'pm'): number {
  if (meridiem === 'am') return hour === 12 ? 0 : hour;
  return hour === 12 ? 12 : hour + 12;
}

/** The 24-hour clock hour for "下午3点"; 24 and above run into the next day ("晚上12点" is midnight). */
function hourInPart(hour: number, part: PartOfDay): number | undefined {
  switch (part) {
    case 'smallHours':
      if (hour === 12 || hour === 24) return 0;
      return hour <= 6 ? hour : undefined;
    case 'earlyMorning':
    case 'morning':
      return hour <= 12 ? hour : undefined;
    case 'noon':
      if (hour >= 1 && hour <= 3) return hour + 12;
      return hour >= 10 && hour <= 15 ? hour : undefined;
    case 'afternoon':
    case 'dusk':
      if (hour >= 1 && hour <= 11) return hour + 12;
      return hour >= 12 && hour <= 23 ? hour : undefined;
    case 'evening':
      // "晚上1点" is said of the small hours after midnight, never of 13:00.
      if (hour === 0 || hour === 12 || hour === 24) return 24;
      if (hour >= 1 && hour <= 3) return 24 + hour;
      if (hour >= 4 && hour <= 11) return hour + 12;
      return hour <= 23 ? hour : undefined;
  }
}

function dayOf(date: Exclude<DateFacet, { kind: 'month' | 'monthOffset' }>, today: LocalToday): number | undefined {
  switch (date.kind) {
    case 'dayOffset':
      return today.day + date.days;
    case 'weekday':
      return weekdayDay(date.weekday, date.week, today.day);
    case 'monthDay':
      return monthDayDay(date, today);
    case 'dayOfMonth':
      return dayOfMonthDay(date.day, today);
  }
}

// Chinese weeks start on Monday, so 上周日 is the Sunday just before this week's Monday.
function weekdayDay(weekday: number, week: WeekRef, today: number): number {
  const todayIndex = mondayIndex(weekdayOfDay(today));
  const targetIndex = mondayIndex(weekday);
  const monday = today - todayIndex;
  switch (week) {
    case 'beforePrevious':
      return monday - 14 + targetIndex;
    case 'previous':
      return monday - 7 + targetIndex;
    case 'this':
      return monday + targetIndex;
    case 'next':
      return monday + 7 + targetIndex;
    case 'mostRecent':
      return today - ((todayIndex - targetIndex + 7) % 7);
    case 'lastBeforeToday':
      return today - (((todayIndex - targetIndex + 6) % 7) + 1);
  }
}

function mondayIndex(weekday: number): number {
  return (weekday + 6) % 7;
}

// Complaints are about the past, so a date without a year is the latest such date not after today.
function monthDayDay(date: { year?: YearRef; month: number; day: number }, today: LocalToday): number | undefined {
  if (date.year !== undefined) {
    const year = 'absolute' in date.year ? date.year.absolute : today.year + date.year.relative;
    return dayNumber(year, date.month, date.day);
  }
  // Eight years back always reaches a leap year for 29 February.
  for (let year = today.year; year >= today.year - 8; year -= 1) {
    const day = dayNumber(year, date.month, date.day);
    if (day !== undefined && day <= today.day) return day;
  }
  return undefined;
}

function dayOfMonthDay(dayOfMonth: number, today: LocalToday): number | undefined {
  for (let back = 0; back <= 12; back += 1) {
    const { year, month: monthNumber } = addMonths(today.year, today.month, -back);
    const day = dayNumber(year, monthNumber, dayOfMonth);
    if (day !== undefined && day <= today.day) return day;
  }
  return undefined;
}

function monthStart(date: Extract<DateFacet, { kind: 'month' | 'monthOffset' }>, today: LocalToday): number | undefined {
  if (date.kind === 'monthOffset') {
    const { year, month: monthNumber } = addMonths(today.year, today.month, date.months);
    return dayNumber(year, monthNumber, 1);
  }
  if (date.year !== undefined) {
    const year = 'absolute' in date.year ? date.year.absolute : today.year + date.year.relative;
    return dayNumber(year, date.month, 1);
  }
  return dayNumber(date.month > today.month ? today.year - 1 : today.year, date.month, 1);
}

function addMonths(year: number, monthNumber: number, months: number): { year: number; month: number } {
  const index = year * 12 + (monthNumber - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** Days since 1970-01-01 of a local calendar date; undefined for dates such as 31 November. */
function dayNumber(year: number, monthNumber: number, day: number): number | undefined {
  const ms = Date.UTC(year, monthNumber - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== monthNumber - 1 || check.getUTCDate() !== day) return undefined;
  return ms / MS_PER_DAY;
}

function weekdayOfDay(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDay();
}

function localToday(now: Date, timeZone: string): LocalToday {
  const local = wallClock(now, timeZone);
  return {
    day: Date.UTC(local.year, local.month - 1, local.day) / MS_PER_DAY,
    year: local.year,
    month: local.month,
  };
}

// Arithmetic happens on local wall-clock time; only the edges convert through the zone.
function toInstant(day: number, minuteOfDay: number, timeZone: string): Date {
  return instantOfWallClock(day * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE, timeZone);
}

