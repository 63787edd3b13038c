import type { MonthlyReport, ReportFigures, ReportGroup } from '../../application/reports';

export type ColumnKind = 'count' | 'rate' | 'hours';

export interface FigureColumn {
  id: string;
  zh: string;
  en: string;
  kind: ColumnKind;
  value: (figures: ReportFigures) => number | null;
}

/** The figures of a report row, in the order every export shows them. */
export const FIGURE_COLUMNS: readonly FigureColumn[] = [
  { id: 'received', zh: '受理量', en: 'Received', kind: 'count', value: (f) => f.received },
  { id: 'acknowledgedWithin24h', zh: '24小时内响应', en: 'Acknowledged within 24 h', kind: 'count', value: (f) => f.acknowledgedWithin24h },
  { id: 'acknowledgedWithin24hRate', zh: '24小时响应率', en: 'Acknowledgement rate', kind: 'rate', value: (f) => f.acknowledgedWithin24hRate },
  { id: 'resolved', zh: '已办结', en: 'Resolved', kind: 'count', value: (f) => f.resolved },
  { id: 'resolvedOnTimeRate', zh: '按时办结率', en: 'Resolved on time', kind: 'rate', value: (f) => f.resolvedOnTimeRate },
  { id: 'resolutionRate', zh: '解决率', en: 'Resolution rate', kind: 'rate', value: (f) => f.resolutionRate },
  { id: 'satisfactionRate', zh: '满意率', en: 'Satisfaction rate', kind: 'rate', value: (f) => f.satisfactionRate },
  { id: 'reopenRate', zh: '重办率', en: 'Reopen rate', kind: 'rate', value: (f) => f.reopenRate },
  { id: 'repeatRate', zh: '重复投诉率', en: 'Repeat-complaint rate', kind: 'rate', value: (f) => f.repeatRate },
  { id: 'handlingHoursAverage', zh: '平均处理时长(工作小时)', en: 'Average handling (working h)', kind: 'hours', value: (f) => f.handlingHours.average },
  { id: 'handlingHoursP90', zh: '90分位处理时长(工作小时)', en: '90th percentile handling (working h)', kind: 'hours', value: (f) => f.handlingHours.p90 },
];

/** 0.5 → "50.0%", null → "—". */
export function percentText(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

export function hoursText(hours: number | null): string {
  return hours === null ? '—' : hours.toFixed(1);
}

export function cellText(column: FigureColumn, figures: ReportFigures): string {
  const value = column.value(figures);
  if (column.kind === 'rate') return percentText(value);
  if (column.kind === 'hours') return hoursText(value);
  return String(value ?? 0);
}

export interface FigureRow {
  dimension: 'category' | 'department' | 'total';
  key: string;
  label: string;
  figures: ReportFigures;
}

/** By category, by department, then the total: the table of the CSV and the first sheets of the workbook. */
export function figureRows(report: MonthlyReport): FigureRow[] {
  const row = (dimension: FigureRow['dimension'], group: ReportGroup): FigureRow => ({ dimension, key: group.key ?? '', label: group.label['zh-Hans'], figures: group.figures });
  return [
    ...report.byCategory.map((group) => row('category', group)),
    ...report.byDepartment.map((group) => row('department', group)),
    { dimension: 'total', key: '', label: '合计', figures: report.total },
  ];
}
