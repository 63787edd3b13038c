import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { Client, Pool } from 'pg';
import type { ReportRepository, Staff } from '../src/application/ports';
import { monthlyReport } from '../src/application/reports';
import { createStaffMember } from '../src/application/staff-accounts';
import { loadConfig } from '../src/config/load-config';
import type { Database } from '../src/persistence/database';
import { openDatabase } from '../src/persistence/database';
import { reportRepository } from '../src/persistence/report.repository';
import { createStore } from '../src/persistence/store';
import { ROOT, startChildServer, type ChildServer } from './support/app-process';
import { ms, timeIt, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { seedCaseEvents, seedCases } from './support/seed-cases';
import { benchServices } from './support/services';

const P95_TARGET_MS = 1000;
// Each sample takes seconds: a few unmeasured runs fill the caches.
const WARM_UPS = 3;
const PASSWORD = 'bench password 2026';
const REDIS_DB = 14;
// Every form a supervisor gets the report in: each builds the whole report, then renders it.
const FORMS = [
  { name: 'JSON', path: (month: string) => `/api/v1/reports/monthly?month=${month}` },
  { name: 'CSV', path: (month: string) => `/api/v1/reports/monthly.csv?month=${month}` },
  { name: 'XLSX', path: (month: string) => `/api/v1/reports/monthly.xlsx?month=${month}` },
  { name: 'HTML', path: (month: string) => `/admin/reports/monthly.html?month=${month}` },
] as const;

interface CapturedQuery {
  name: string;
  text: string;
  values: unknown[];
}

export const monthlyReportBench: Bench = { name: 'monthly-report', run: runMonthlyReportBench };

async function runMonthlyReportBench(scale: BenchScale): Promise<BenchOutcome> {
  const total = scale.quick ? 100_000 : 1_000_000;
  const samples = scale.quick ? 10 : 40;
  const config = loadConfig({ env: {}, configDir: join(ROOT, 'config') });
  const timeZone = config.policy.timeZone;
  const services = await benchServices(REDIS_DB);
  let server: ChildServer | undefined;
  const sql = new Client({ connectionString: services.databaseUrl });
  const pool = new Pool({ connectionString: services.databaseUrl, max: 5 });
  try {
    server = await startChildServer({ env: { DATA_DIR: services.dataDir, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, LOG_LEVEL: 'error' } });
    await sql.connect();
    const seedStarted = performance.now();
    await seedCases(sql, total);
    await seedCaseEvents(sql);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const events = Number((await sql.query<{ count: string }>('select count(*) from case_events')).rows[0]!.count);
    const busiest = await sql.query<{ month: string; received: number }>(
      `select to_char(created_at at time zone $1, 'YYYY-MM') as month, count(*)::int as received from cases
       group by 1 having to_char(created_at at time zone $1, 'YYYY-MM') < to_char(now() at time zone $1, 'YYYY-MM') order by 2 desc limit 1`,
      [timeZone],
    );
    const { month, received } = busiest.rows[0]!;

    const database = await openDatabase({ dataDir: '', databaseUrl: services.databaseUrl, poolSize: 2 });
    const admin = await createStaffMember(createStore(database.db), { name: 'Bench admin', role: 'admin', departmentId: null, username: 'bench', password: PASSWORD }, null, new Date());
    await database.close();
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
    if (!login.ok) throw new Error(`login answered ${login.status}: ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };

    const queries = await reportQueries(admin, month, config);
    const bare = await timeIt(samples, () => Promise.all(queries.map((query) => pool.query(query.text, query.values))), WARM_UPS);
    const plans: Record<string, string[]> = {};
    for (const query of queries) {
      const plan = await sql.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.text}`, query.values);
      plans[query.name] = plan.rows.map((row) => row['QUERY PLAN']);
    }

    const rows: BenchOutcome['rows'] = [];
    const details: Record<string, unknown> = { cases: total, events, month, receivedInMonth: received, samples, seedSeconds, bare, queries: queries.map(({ name, text }) => ({ name, text })), plans };
    for (const form of FORMS) {
      const path = form.path(month);
      let bytes = 0;
      const api = await timeIt(samples, async () => {
        const response = await fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        bytes = (await response.arrayBuffer()).byteLength;
      }, WARM_UPS);
      rows.push({
        row: `Monthly report ${form.name}, ${month} (${received.toLocaleString('en')} received) of ${total.toLocaleString('en')} cases: p50 / p95`,
        figure: `${ms(api.p50)} / ${ms(api.p95)}`,
        baseline: `${ms(bare.p50)} / ${ms(bare.p95)} bare SQL`,
        target: `p95 < ${P95_TARGET_MS / 1000} s`,
        pass: api.p95 < P95_TARGET_MS,
      });
      details[form.name] = { api, bytes };
    }
    const report = (await (await fetch(`${server.url}${FORMS[0].path(month)}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: { received: number } };
    if (report.total.received !== received) throw new Error(`the report counts ${report.total.received} cases received in ${month}, the table ${received}`);
    return { rows, details };
  } finally {
    await sql.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await server?.stop();
    await services.dispose();
  }
}

/**
 * The SQL the app runs for `staff`'s monthly report: the report is built once against a
 * repository that records its queries instead of running them, so the baseline follows any
 * change to report.repository.ts.
 */
async function reportQueries(staff: Staff, month: string, config: ReturnType<typeof loadConfig>): Promise<CapturedQuery[]> {
  const dialect = new PgDialect();
  const captured: CapturedQuery[] = [];
  let method = '';
  const recorder = {
    execute(query: SQL) {
      const { sql: text, params } = dialect.sqlToQuery(query);
      captured.push({ name: `${captured.length + 1}. ${method}`, text, values: params });
      return Promise.resolve({ rows: [] });
    },
  } as unknown as Database;
  const recording = reportRepository(recorder);
  const reports = Object.fromEntries(
    Object.entries(recording).map(([name, run]) => [
      name,
      (...args: unknown[]) => {
        method = name;
        return (run as (...parameters: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as ReportRepository;
  const store = { reports, departments: { list: () => Promise.resolve([]) } } as unknown as Parameters<typeof monthlyReport>[0]['store'];
  await monthlyReport({ store, calendar: config.calendar, categories: config.policy.categories }, staff, month, new Date());
  return captured;
}
