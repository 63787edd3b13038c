import ExcelJS from 'exceljs';
import type { CaseList, MonthlyReport } from '../../application/reports';
import { FIGURE_COLUMNS, figureRows } from './report-tables';

const PERCENT = '0.0%';
const HOURS = '0.0';

/** The monthly report as a workbook: one sheet per table, numbers as numbers, rates formatted as percentages. */
export async function monthlyWorkbook(report: MonthlyReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(report.period.to);

  const figures = workbook.addWorksheet('Figures 指标');
  figures.columns = [
    { header: 'Dimension 维度', key: 'dimension', width: 14 },
    { header: 'Key', key: 'key', width: 20 },
    { header: 'Name 名称', key: 'label', width: 16 },
    ...FIGURE_COLUMNS.map((column) => ({ header: `${column.zh} ${column.en}`, key: column.id, width: 18, style: column.kind === 'count' ? {} : { numFmt: column.kind === 'rate' ? PERCENT : HOURS } })),
  ];
  for (const row of figureRows(report)) {
    figures.addRow({ dimension: row.dimension, key: row.key, label: row.label, ...Object.fromEntries(FIGURE_COLUMNS.map((column) => [column.id, column.value(row.figures)])) });
  }

  const list = (name: string, cases: CaseList) => {
    const sheet = workbook.addWorksheet(name);
    sheet.columns = [
      { header: 'Number 编号', key: 'number', width: 18 },
      { header: 'Category 类别', key: 'category', width: 18 },
      { header: 'Department 部门', key: 'departmentId', width: 18 },
      { header: 'Status 状态', key: 'status', width: 16 },
      { header: 'Received 受理时间', key: 'createdAt', width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
      { header: 'Deadline 期限', key: 'deadline', width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
    ];
    for (const item of cases.items) {
      sheet.addRow({ ...item, createdAt: new Date(item.createdAt), deadline: item.deadline ? new Date(item.deadline) : null });
    }
  };
  list('Open 未结', report.open);
  list('Overdue 超期', report.overdue);

  const trend = workbook.addWorksheet('Trend 趋势');
  trend.columns = [{ header: 'Category 类别', key: 'category', width: 18 }, ...report.trend.months.map((month) => ({ header: month, key: month, width: 10 }))];
  for (const category of report.trend.categories) {
    trend.addRow({ category: category.category, ...Object.fromEntries(report.trend.months.map((month, index) => [month, category.received[index]])) });
  }

  for (const sheet of workbook.worksheets) sheet.getRow(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
