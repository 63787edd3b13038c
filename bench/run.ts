/**
 * `npm run bench` runs every bench; `npm run bench -- telegram case-list` runs those.
 * BENCH_QUICK=1 shrinks durations and data for development; the README quotes full runs.
 * Each bench prints its rows and writes bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { os } from './support/machine';
import { caseListBench } from './case-list.bench';
import { memoryBench } from './memory.bench';
import { monthlyReportBench } from './monthly-report.bench';
import { outboundBench } from './outbound.bench';
import { scaleOutBench } from './scale-out.bench';
import type { Bench, BenchRow } from './support/report';
import { webhookBench } from './webhooks.bench';

const BENCHES: Bench[] = [webhookBench('telegram'), webhookBench('wechat'), caseListBench, monthlyReportBench, outboundBench, memoryBench, scaleOutBench];
const RESULTS_DIR = join(__dirname, 'results');

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !BENCHES.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown bench ${unknown.join(', ')}; there are: ${BENCHES.map((bench) => bench.name).join(', ')}`);
    process.exit(2);
  }
  const chosen = asked.length > 0 ? BENCHES.filter((bench) => asked.includes(bench.name)) : BENCHES;
  const scale = { quick: process.env.BENCH_QUICK === '1' };
  const machine = os();
  console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${process.version}${scale.quick ? ' — QUICK run, figures not comparable' : ''}`);
  const table: BenchRow[] = [];
  let failed = false;
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const bench of chosen) {
    const started = Date.now();
    console.log(`\n▶ ${bench.name}`);
    try {
      const outcome = await bench.run(scale);
      table.push(...outcome.rows);
      printTable(outcome.rows);
      writeFileSync(
        join(RESULTS_DIR, `${bench.name}.json`),
        `${JSON.stringify({ bench: bench.name, at: new Date().toISOString(), quick: scale.quick, machine, seconds: (Date.now() - started) / 1000, rows: outcome.rows, details: outcome.details }, null, 2)}\n`,
      );
    } catch (error) {
      failed = true;
      console.error(`${bench.name} failed:`, error);
      table.push({ row: bench.name, figure: 'FAILED', baseline: '—', target: '—', pass: false });
    }
  }
  console.log('\n== summary ==');
  printTable(table);
  process.exit(failed ? 1 : 0);
}

function printTable(rows: readonly BenchRow[]): void {
  const cells = rows.map((row) => [row.row, row.figure, row.baseline, row.target, row.pass === null ? '—' : row.pass ? 'PASS' : 'FAIL']);
  const header = ['row', 'figure', 'baseline (same run)', 'target', 'result'];
  const widths = header.map((title, column) => Math.max(width(title), ...cells.map((line) => width(line[column]!))));
  const line = (values: string[]) => values.map((value, column) => value + ' '.repeat(widths[column]! - width(value))).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const values of cells) console.log(line(values));
}

/** Terminal columns: CJK characters take two. */
function width(text: string): number {
  let columns = 0;
  for (const character of text) columns += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/u.test(character) ? 2 : 1;
  return columns;
}

void main();
