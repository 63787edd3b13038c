import type { CaseList, MonthlyReport } from '../../application/reports';
import { cellText, FIGURE_COLUMNS, figureRows } from './report-tables';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every interpolated string goes through this: labels and numbers come from configuration and data. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const heading = (zh: string, en: string) => `${escapeHtml(zh)} <small>${escapeHtml(en)}</small>`;

const CHART_WIDTH = 640;
const BAR_HEIGHT = 22;
const LABEL_WIDTH = 140;

function barChart(report: MonthlyReport): string {
  const groups = report.byCategory;
  const max = Math.max(1, ...groups.map((group) => group.figures.received));
  const height = groups.length * BAR_HEIGHT + 10;
  const bars = groups
    .map((group, index) => {
      const y = 5 + index * BAR_HEIGHT;
      const width = ((CHART_WIDTH - LABEL_WIDTH - 50) * group.figures.received) / max;
      return (
        `<text x="${LABEL_WIDTH - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(group.label['zh-Hans'])}</text>` +
        `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width.toFixed(1)}" height="${BAR_HEIGHT - 6}" fill="#3b6ea5"/>` +
        `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + 15}">${escapeHtml(group.figures.received)}</text>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml('按类别受理量 Received by category')}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}" font-size="12">${bars}</svg>`;
}

const COLOURS = ['#3b6ea5', '#c0504d', '#9bbb59', '#8064a2', '#4bacc6', '#f79646', '#7f7f7f', '#2c4d75', '#772c2a'];

function trendChart(report: MonthlyReport): string {
  const { months, categories } = report.trend;
  const height = 220;
  const left = 40;
  const bottom = height - 40;
  const max = Math.max(1, ...categories.flatMap((category) => category.received));
  const x = (index: number) => left + (index * (CHART_WIDTH - left - 150)) / Math.max(1, months.length - 1);
  const y = (value: number) => bottom - (value * (bottom - 10)) / max;
  const axis =
    `<line x1="${left}" y1="${bottom}" x2="${CHART_WIDTH - 150}" y2="${bottom}" stroke="#999"/>` +
    months.map((month, index) => `<text x="${x(index).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="10">${escapeHtml(month.slice(2))}</text>`).join('') +
    `<text x="${left - 6}" y="${y(max) + 4}" text-anchor="end">${escapeHtml(max)}</text><text x="${left - 6}" y="${bottom + 4}" text-anchor="end">0</text>`;
  const lines = categories
    .map((category, index) => {
      const colour = COLOURS[index % COLOURS.length]!;
      const points = category.received.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
      return (
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>` +
        `<text x="${CHART_WIDTH - 140}" y="${20 + index * 16}" fill="${colour}">${escapeHtml(category.label['zh-Hans'])}</text>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml('12个月趋势 12-month trend')}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}" font-size="12">${axis}${lines}</svg>`;
}

function figureTable(report: MonthlyReport): string {
  const head = `<tr><th>${heading('维度', 'Dimension')}</th><th>${heading('名称', 'Name')}</th>${FIGURE_COLUMNS.map((column) => `<th>${heading(column.zh, column.en)}</th>`).join('')}</tr>`;
  const dimensionNames = { category: '类别', department: '部门', total: '合计' } as const;
  const body = figureRows(report)
    .map(
      (row) =>
        `<tr class="${escapeHtml(row.dimension)}" data-dimension="${escapeHtml(row.dimension)}" data-key="${escapeHtml(row.key)}"><td>${escapeHtml(dimensionNames[row.dimension])}</td><td>${escapeHtml(row.label)}</td>` +
        FIGURE_COLUMNS.map((column) => `<td data-figure="${escapeHtml(column.id)}">${escapeHtml(cellText(column, row.figures))}</td>`).join('') +
        '</tr>',
    )
    .join('');
  return `<table class="figures"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function caseTable(list: CaseList, id: string): string {
  const rows = list.items
    .map((item) => `<tr><td>${escapeHtml(item.number)}</td><td>${escapeHtml(item.category)}</td><td>${escapeHtml(item.departmentId ?? '—')}</td><td>${escapeHtml(item.deadline ?? '—')}</td></tr>`)
    .join('');
  return (
    `<p id="${escapeHtml(id)}-total">${escapeHtml(`共 ${list.total} 件${list.total > list.items.length ? `，列出前 ${list.items.length} 件` : ''}`)}</p>` +
    `<table id="${escapeHtml(id)}"><thead><tr><th>${heading('编号', 'Number')}</th><th>${heading('类别', 'Category')}</th><th>${heading('部门', 'Department')}</th><th>${heading('期限', 'Deadline')}</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

const STYLE = `
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1,h2{font-weight:600} small{font-size:.65em;color:#666;font-weight:normal}
table{border-collapse:collapse;margin:1em 0;font-size:12px} th,td{border:1px solid #bbb;padding:3px 6px;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left} tr.total{font-weight:bold;background:#f2f2f2}
.chart{display:block;margin:1em 0}
@media print{body{margin:0} section{page-break-inside:avoid} a{color:inherit;text-decoration:none} @page{size:A4 landscape;margin:12mm}}
`;

/** A printable page for a meeting: figures, charts written as SVG text, and the open and overdue lists. */
export function monthlyReportHtml(report: MonthlyReport): string {
  return `<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>${escapeHtml(`投诉处理月报 ${report.month}`)}</title><style>${STYLE}</style></head>
<body>
<h1>${heading(`投诉处理月报 ${report.month}`, `Monthly complaint report ${report.month}`)}</h1>
<p>${escapeHtml(`统计期间 ${report.period.from} — ${report.period.to}（${report.period.timeZone}）`)}</p>
<section><h2>${heading('主要指标', 'Key figures')}</h2>${figureTable(report)}</section>
<section><h2>${heading('按类别受理量', 'Received by category')}</h2>${barChart(report)}</section>
<section><h2>${heading('近12个月趋势', 'Last 12 months by category')}</h2>${trendChart(report)}</section>
<section><h2>${heading('未结案件', 'Open cases')}</h2>${caseTable(report.open, 'open')}</section>
<section><h2>${heading('超期案件', 'Overdue cases')}</h2>${caseTable(report.overdue, 'overdue')}</section>
</body></html>`;
}
