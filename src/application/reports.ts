import { DomainError } from '../domain/errors';
import { instantOfWallClock, wallClock } from '../domain/time-zone';
import { workingMinutesBetween, type WorkingCalendar } from '../domain/working-calendar';
import { caseScope } from './case-access';
import type { HandlingTimeRow, ReportCaseRow, ReportCountRow, ReportCounts, ReportDimension, ReportSelection, Staff, Store } from './ports';

export interface ReportDeps {
  store: Pick<Store, 'reports' | 'departments'>;
  calendar: WorkingCalendar;
  /** Category ids and labels in the order of the policy. */
  categories: ReadonlyArray<{ id: string; label: { 'zh-Hans': string; en: string } }>;
}

/** `null` when the denominator is zero: no rate rather than a made-up 0 %. */
export type Rate = number | null;

export interface ReportFigures extends ReportCounts {
  /** acknowledgedWithin24h ÷ received */
  acknowledgedWithin24hRate: Rate;
  /** resolvedOnTime ÷ resolved */
  resolvedOnTimeRate: Rate;
  /** resolvedOrClosed ÷ received */
  resolutionRate: Rate;
  /** satisfied ÷ ratings */
  satisfactionRate: Rate;
  /** reopened ÷ resolved */
  reopenRate: Rate;
  /** repeat ÷ received */
  repeatRate: Rate;
  /** Working hours from receipt to the first resolution, over the resolved cases. */
  handlingHours: { cases: number; average: number | null; p90: number | null };
}

export interface ReportGroup {
  key: string | null;
  label: { 'zh-Hans': string; en: string };
  figures: ReportFigures;
}

export interface ReportCaseItem {
  number: string;
  category: string;
  departmentId: string | null;
  status: ReportCaseRow['status'];
  createdAt: string;
  deadline: string | null;
}

export interface CaseList {
  /** All that match; `items` holds at most LIST_LIMIT of them. */
  total: number;
  items: ReportCaseItem[];
}

export interface SummaryReport {
  period: { from: string; to: string; timeZone: string };
  groupBy: ReportDimension;
  groups: ReportGroup[];
  total: ReportFigures;
  open: CaseList;
  overdue: CaseList;
}

export interface MonthlyReport {
  month: string;
  period: { from: string; to: string; timeZone: string };
  byCategory: ReportGroup[];
  byDepartment: ReportGroup[];
  total: ReportFigures;
  open: CaseList;
  overdue: CaseList;
  /** Cases received per category in each of the 12 months ending with `month`. */
  trend: { months: string[]; categories: Array<{ category: string; label: { 'zh-Hans': string; en: string }; received: number[] }> };
}

export const LIST_LIMIT = 100;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

const ratio = (part: number, whole: number): Rate => (whole === 0 ? null : part / whole);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A resolved case and its working hours from receipt to the first resolution. */
interface HandledCase {
  row: HandlingTimeRow;
  hours: number;
}

// Each case is measured once: the calendar walk is the costly part of a report of a busy month.
const handledCases = (calendar: WorkingCalendar, pairs: readonly HandlingTimeRow[]): HandledCase[] =>
  pairs.map((row) => ({ row, hours: workingMinutesBetween(calendar, row.createdAt, row.firstResolvedAt) / 60 }));

function handlingHours(handled: readonly HandledCase[]): ReportFigures['handlingHours'] {
  const hours = handled.map((handledCase) => handledCase.hours).sort((a, b) => a - b);
  const sum = hours.reduce((total, value) => total + value, 0);
  return { cases: hours.length, average: hours.length === 0 ? null : sum / hours.length, p90: percentile(hours, 90) };
}

export function figuresOf(counts: ReportCounts, hours: ReportFigures['handlingHours']): ReportFigures {
  return {
    ...counts,
    acknowledgedWithin24hRate: ratio(counts.acknowledgedWithin24h, counts.received),
    resolvedOnTimeRate: ratio(counts.resolvedOnTime, counts.resolved),
    resolutionRate: ratio(counts.resolvedOrClosed, counts.received),
    satisfactionRate: ratio(counts.satisfied, counts.ratings),
    reopenRate: ratio(counts.reopened, counts.resolved),
    repeatRate: ratio(counts.repeat, counts.received),
    handlingHours: hours,
  };
}

const EMPTY_COUNTS: ReportCounts = { received: 0, acknowledgedWithin24h: 0, resolved: 0, resolvedOnTime: 0, resolvedOrClosed: 0, ratings: 0, satisfied: 0, reopened: 0, repeat: 0 };

function countsOf(row: ReportCountRow | undefined): ReportCounts {
  if (!row) return EMPTY_COUNTS;
  const { dimension: _dimension, key: _key, ...counts } = row;
  return counts;
}

const keyOf = (dimension: ReportDimension, row: HandlingTimeRow): string | null => (dimension === 'department' ? row.departmentId : row[dimension]);

/** The instants a local month [first day 00:00, next month's first day 00:00) spans in `timeZone`. */
export function monthPeriod(month: string, timeZone: string): { from: Date; to: Date } {
  const match = MONTH.exec(month);
  if (!match) throw new DomainError('REPORT.BAD_MONTH', `"${month}" is not a month; write it as YYYY-MM, e.g. 2026-11.`, { month });
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { from: instantOfWallClock(Date.UTC(year, index, 1), timeZone), to: instantOfWallClock(Date.UTC(year, index + 1, 1), timeZone) };
}

/** 'YYYY-MM' `offset` months from `month`. */
export function shiftMonth(month: string, offset: number): string {
  const [year, monthNumber] = month.split('-').map(Number);
  const date = new Date(Date.UTC(year!, monthNumber! - 1 + offset, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthOf(instant: Date, timeZone: string): string {
  const local = wallClock(instant, timeZone);
  return `${local.year}-${String(local.month).padStart(2, '0')}`;
}

async function labeller(deps: ReportDeps): Promise<(dimension: ReportDimension, key: string | null) => { 'zh-Hans': string; en: string }> {
  const departments = new Map((await deps.store.departments.list()).map((department) => [department.id, department.name]));
  const categories = new Map(deps.categories.map((category) => [category.id, category.label]));
  return (dimension, key) => {
    if (key === null) return { 'zh-Hans': '未分配', en: 'Unassigned' };
    const found = dimension === 'category' ? categories.get(key) : dimension === 'department' ? departments.get(key) : undefined;
    return { 'zh-Hans': found?.['zh-Hans'] ?? key, en: found?.en ?? key };
  };
}

function groupsOf(
  dimension: ReportDimension,
  rows: readonly ReportCountRow[],
  handled: readonly HandledCase[],
  label: (dimension: ReportDimension, key: string | null) => { 'zh-Hans': string; en: string },
): ReportGroup[] {
  const byKey = new Map<string | null, HandledCase[]>();
  for (const handledCase of handled) {
    const key = keyOf(dimension, handledCase.row);
    const group = byKey.get(key);
    if (group) group.push(handledCase);
    else byKey.set(key, [handledCase]);
  }
  return rows
    .filter((row) => row.dimension === dimension)
    .sort((a, b) => b.received - a.received || String(a.key).localeCompare(String(b.key)))
    .map((row) => ({
      key: row.key,
      label: label(dimension, row.key),
      figures: figuresOf(countsOf(row), handlingHours(byKey.get(row.key) ?? [])),
    }));
}

const caseItem = (row: ReportCaseRow): ReportCaseItem => ({
  number: row.number,
  category: row.category,
  departmentId: row.departmentId,
  status: row.status,
  createdAt: row.createdAt.toISOString(),
  deadline: row.nextDeadline?.toISOString() ?? null,
});

async function lists(deps: ReportDeps, selection: ReportSelection, now: Date): Promise<{ open: CaseList; overdue: CaseList }> {
  const [open, overdue] = await Promise.all([
    deps.store.reports.openCases(selection, { now, overdueOnly: false, limit: LIST_LIMIT }),
    deps.store.reports.openCases(selection, { now, overdueOnly: true, limit: LIST_LIMIT }),
  ]);
  return { open: { total: open.total, items: open.items.map(caseItem) }, overdue: { total: overdue.total, items: overdue.items.map(caseItem) } };
}

/**
 * Figures of the cases received in [from, to) that `staff` may see (their department for agents
 * and department supervisors; never cases about themselves). The counts are aggregated in the
 * database; handling time needs the working calendar, so the (received, first resolved) pairs of
 * the resolved cases come back in one query and are measured here.
 */
export async function summaryReport(deps: ReportDeps, staff: Staff, query: { from: Date; to: Date; groupBy: ReportDimension }, now: Date): Promise<SummaryReport> {
  const selection: ReportSelection = { from: query.from, to: query.to, scope: caseScope(staff) };
  const [rows, pairs, label, caseLists] = await Promise.all([
    deps.store.reports.counts(selection, [query.groupBy]),
    deps.store.reports.handlingTimes(selection),
    labeller(deps),
    lists(deps, selection, now),
  ]);
  const handled = handledCases(deps.calendar, pairs);
  return {
    period: { from: query.from.toISOString(), to: query.to.toISOString(), timeZone: deps.calendar.timeZone },
    groupBy: query.groupBy,
    groups: groupsOf(query.groupBy, rows, handled, label),
    total: figuresOf(countsOf(rows.find((row) => row.dimension === null)), handlingHours(handled)),
    ...caseLists,
  };
}

/** The month's figures by category and by department, the open and overdue lists, and the 12-month trend. */
export async function monthlyReport(deps: ReportDeps, staff: Staff, month: string, now: Date): Promise<MonthlyReport> {
  const timeZone = deps.calendar.timeZone;
  const period = monthPeriod(month, timeZone);
  const scope = caseScope(staff);
  const selection: ReportSelection = { ...period, scope };
  const trendStart = shiftMonth(month, -11);
  const months = Array.from({ length: 12 }, (_, index) => shiftMonth(trendStart, index));
  const [rows, pairs, label, caseLists, trendRows] = await Promise.all([
    deps.store.reports.counts(selection, ['category', 'department']),
    deps.store.reports.handlingTimes(selection),
    labeller(deps),
    lists(deps, selection, now),
    deps.store.reports.monthlyTrend(
      scope,
      months.map((m) => ({ month: m, ...monthPeriod(m, timeZone) })),
    ),
  ]);
  const handled = handledCases(deps.calendar, pairs);
  const seen = new Set(trendRows.map((row) => row.category));
  // Policy categories first, in their order; then any retired category still found in the data.
  const categoryIds = [...deps.categories.map((category) => category.id).filter((id) => seen.has(id)), ...[...seen].filter((id) => !deps.categories.some((c) => c.id === id)).sort()];
  return {
    month,
    period: { from: period.from.toISOString(), to: period.to.toISOString(), timeZone },
    byCategory: groupsOf('category', rows, handled, label),
    byDepartment: groupsOf('department', rows, handled, label),
    total: figuresOf(countsOf(rows.find((row) => row.dimension === null)), handlingHours(handled)),
    ...caseLists,
    trend: {
      months,
      categories: categoryIds.map((category) => ({
        category,
        label: label('category', category),
        received: months.map((m) => trendRows.find((row) => row.month === m && row.category === category)?.received ?? 0),
      })),
    },
  };
}
