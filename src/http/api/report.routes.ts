import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { StaffRole } from '../../application/ports';
import { REPORT_DIMENSIONS } from '../../application/ports';
import { monthlyReport, monthOf, summaryReport, type ReportDeps } from '../../application/reports';
import { cellText, FIGURE_COLUMNS, figureRows } from '../reports/report-tables';
import { monthlyWorkbook } from '../reports/report-workbook';
import { instantParam } from './api-schemas';
import { defineRoute, type ApiRoute } from './route-registry';

export interface ReportRouteDeps {
  reports: ReportDeps;
  clock: () => Date;
}

const STAFF: readonly StaffRole[] = ['admin', 'supervisor', 'agent', 'auditor'];
// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

export const RATE_DEFINITIONS = [
  'Rates are fractions from 0 to 1, null when their denominator is 0. They cover the cases received in the period that you may see.',
  'acknowledgedWithin24hRate = cases whose first accept or reject came within 24 hours of receipt ÷ cases received.',
  'resolvedOnTimeRate = resolved cases with no breach of the resolution limit before their first resolution ÷ cases resolved at least once.',
  'resolutionRate = cases now resolved or closed ÷ cases received (a reopened case under investigation again does not count).',
  'satisfactionRate = "satisfied" ratings ÷ all ratings given by the complainants of these cases (every rating counts, also a second one after a reopen).',
  'reopenRate = cases reopened at least once ÷ cases resolved at least once.',
  'repeatRate = cases linked to an earlier case of the same complainant on the same matter ÷ cases received.',
  'handlingHours = working hours (working calendar: business hours, weekends, holidays, 调休) from receipt to the first resolution, over the resolved cases; p90 is the nearest-rank 90th percentile.',
  'open lists cases received before the end of the period and still open now; overdue those of them with a running deadline already passed. Each list holds at most 100, nearest deadline first; total counts all.',
].join('\n\n');

const rate = (text: string) => z.number().nullable().describe(text);
const label = z.object({ 'zh-Hans': z.string(), en: z.string() });
const figuresSchema = z.object({
  received: z.number().describe('Cases received in the period'),
  acknowledgedWithin24h: z.number().describe('Cases accepted or rejected within 24 hours of receipt'),
  resolved: z.number().describe('Cases resolved at least once'),
  resolvedOnTime: z.number().describe('Resolved cases without a breach of the resolution limit before their first resolution'),
  resolvedOrClosed: z.number().describe('Cases now resolved or closed'),
  ratings: z.number().describe('Ratings given'),
  satisfied: z.number().describe('"Satisfied" ratings'),
  reopened: z.number().describe('Cases reopened at least once'),
  repeat: z.number().describe('Cases linked to an earlier case (repeat complaints)'),
  acknowledgedWithin24hRate: rate('acknowledgedWithin24h ÷ received'),
  resolvedOnTimeRate: rate('resolvedOnTime ÷ resolved'),
  resolutionRate: rate('resolvedOrClosed ÷ received'),
  satisfactionRate: rate('satisfied ÷ ratings'),
  reopenRate: rate('reopened ÷ resolved'),
  repeatRate: rate('repeat ÷ received'),
  handlingHours: z.object({ cases: z.number(), average: z.number().nullable(), p90: z.number().nullable() }).describe('Working hours from receipt to the first resolution'),
});
const groupSchema = z.object({ key: z.string().nullable().describe('null: cases without a value (e.g. no department)'), label, figures: figuresSchema });
const caseList = z.object({
  total: z.number(),
  items: z.array(z.object({ number: z.string(), category: z.string(), departmentId: z.string().nullable(), status: z.string(), createdAt: z.string(), deadline: z.string().nullable() })),
});
const period = z.object({ from: z.string(), to: z.string(), timeZone: z.string() });
const summarySchema = z.object({ period, groupBy: z.enum(REPORT_DIMENSIONS), groups: z.array(groupSchema), total: figuresSchema, open: caseList, overdue: caseList });
const monthlySchema = z.object({
  month: z.string(),
  period,
  byCategory: z.array(groupSchema),
  byDepartment: z.array(groupSchema),
  total: figuresSchema,
  open: caseList,
  overdue: caseList,
  trend: z.object({ months: z.array(z.string()), categories: z.array(z.object({ category: z.string(), label, received: z.array(z.number()) })) }),
});

/** `?month=YYYY-MM` in the policy time zone; the current month when left out. */
export const monthQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM such as 2026-11').optional().describe('YYYY-MM in the policy time zone; default: this month') });

/** The monthly figures as one CSV table (by category, by department, total), rates as percentages. */
export function monthlyCsv(report: Awaited<ReturnType<typeof monthlyReport>>): string {
  const header = ['dimension', 'key', 'label', ...FIGURE_COLUMNS.map((column) => column.id)];
  const rows = figureRows(report).map((row) => [row.dimension, row.key, row.label, ...FIGURE_COLUMNS.map((column) => cellText(column, row.figures))]);
  return `\uFEFF${stringify([header, ...rows], { cast: { string: (value) => (FORMULA_START.test(value) ? `'${value}` : value) } })}`;
}

export function reportRoutes(deps: ReportRouteDeps): ApiRoute[] {
  const timeZone = deps.reports.calendar.timeZone;
  const monthFor = (month: string | undefined) => month ?? monthOf(deps.clock(), timeZone);
  return [
    defineRoute({
      method: 'get',
      path: '/reports/summary',
      summary: 'Figures of the cases received in a period, by one dimension and in total',
      description: `Role scoping as for the case list: agents and department supervisors see their department, nobody the cases about themselves.\n\n${RATE_DEFINITIONS}`,
      tag: 'Reports',
      roles: STAFF,
      query: z.object({
        from: instantParam(timeZone).describe('Received on or after (YYYY-MM-DD in the policy time zone, or an ISO instant)'),
        to: instantParam(timeZone).describe('Received before'),
        groupBy: z.enum(REPORT_DIMENSIONS).default('category'),
      }),
      response: { status: 200, description: 'The figures', schema: summarySchema },
      handler: ({ query, staff }) => summaryReport(deps.reports, staff, query, deps.clock()),
    }),
    defineRoute({
      method: 'get',
      path: '/reports/monthly',
      summary: 'The monthly report: figures by category and department, open and overdue cases, 12-month trend',
      description: `The month runs from the first day 00:00 to the next month's first day in the policy time zone.\n\n${RATE_DEFINITIONS}`,
      tag: 'Reports',
      roles: STAFF,
      query: monthQuery,
      response: { status: 200, description: 'The report', schema: monthlySchema },
      handler: ({ query, staff }) => monthlyReport(deps.reports, staff, monthFor(query.month), deps.clock()),
    }),
    defineRoute({
      method: 'get',
      path: '/reports/monthly.csv',
      summary: 'The monthly figures as CSV (UTF-8 with BOM for Excel; rates as percentages)',
      tag: 'Reports',
      roles: STAFF,
      query: monthQuery,
      response: { status: 200, description: 'CSV file', contentType: 'text/csv' },
      handler: async ({ query, staff, res }) => {
        const month = monthFor(query.month);
        const report = await monthlyReport(deps.reports, staff, month, deps.clock());
        res.status(200).type('text/csv; charset=utf-8').attachment(`complaints-${month}.csv`).send(monthlyCsv(report));
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/reports/monthly.xlsx',
      summary: 'The monthly report as an Excel workbook: one sheet per table, rates formatted as percentages',
      tag: 'Reports',
      roles: STAFF,
      query: monthQuery,
      response: { status: 200, description: 'XLSX file', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      handler: async ({ query, staff, res }) => {
        const month = monthFor(query.month);
        const report = await monthlyReport(deps.reports, staff, month, deps.clock());
        res.status(200).type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(`complaints-${month}.xlsx`).send(await monthlyWorkbook(report));
        return undefined;
      },
    }),
  ];
}
