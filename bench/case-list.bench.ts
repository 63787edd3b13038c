import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createStaffMember } from '../src/application/staff-accounts';
import { openDatabase } from '../src/persistence/database';
import { createStore } from '../src/persistence/store';
import { startChildServer, type ChildServer } from './support/app-process';
import { ms, timeIt, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { seedCases } from './support/seed-cases';
import { benchServices } from './support/services';

const P95_TARGET_MS = 20;
const WARM_UPS = 10;
const PASSWORD = 'bench password 2026';
const REDIS_DB = 13;
// Open statuses the desk works through by deadline; `reopened` is the rare one (0.5%); closed
// cases have no deadline, so by deadline they all tie (the worst case for the deadline index).
// The cases: bench/support/seed-cases.ts.
const QUERIES = ['registered,investigating', 'reopened', 'closed'] as const;

/** The SQL the repository runs for a supervisor's list by deadline (src/persistence/case-search.repository.ts). */
function bareSql(statusCount: number): string {
  const statuses = Array.from({ length: statusCount }, (_, n) => `$${n + 1}`).join(', ');
  return `select * from cases where status in (${statuses}) and (accused_staff_id is null or accused_staff_id <> $${statusCount + 1})
  order by next_deadline asc nulls last, id asc limit 21`;
}

export const caseListBench: Bench = { name: 'case-list', run: runCaseListBench };

async function runCaseListBench(scale: BenchScale): Promise<BenchOutcome> {
  const total = scale.quick ? 100_000 : 1_000_000;
  const samples = scale.quick ? 50 : 300;
  const services = await benchServices(REDIS_DB);
  let server: ChildServer | undefined;
  const sql = new Client({ connectionString: services.databaseUrl });
  try {
    server = await startChildServer({ env: { DATA_DIR: services.dataDir, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, LOG_LEVEL: 'error' } });
    await sql.connect();
    const seedStarted = performance.now();
    await seedCases(sql, total);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const database = await openDatabase({ dataDir: '', databaseUrl: services.databaseUrl, poolSize: 2 });
    const supervisor = await createStaffMember(createStore(database.db), { name: 'Bench supervisor', role: 'supervisor', departmentId: null, username: 'bench', password: PASSWORD }, null, new Date());
    await database.close();
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
    if (!login.ok) throw new Error(`login answered ${login.status}: ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };

    const rows: BenchOutcome['rows'] = [];
    const details: Record<string, unknown> = { cases: total, samples, seedSeconds };
    for (const statuses of QUERIES) {
      const path = `/api/v1/cases?status=${statuses}&sort=deadline&limit=20`;
      const api = await timeIt(samples, async () => {
        const response = await fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        const page = (await response.json()) as { items: unknown[] };
        if (page.items.length === 0) throw new Error(`${path} listed nothing`);
      }, WARM_UPS);
      const params = [...statuses.split(','), supervisor.id];
      const query = bareSql(params.length - 1);
      const bare = await timeIt(samples, () => sql.query(query, params), WARM_UPS);
      const plan = await sql.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query}`, params);
      rows.push({
        row: `Case list status=${statuses}&sort=deadline, ${total.toLocaleString('en')} cases: p50 / p95`,
        figure: `${ms(api.p50)} / ${ms(api.p95)}`,
        baseline: `${ms(bare.p50)} / ${ms(bare.p95)} bare SQL`,
        target: `p95 < ${P95_TARGET_MS} ms`,
        pass: api.p95 < P95_TARGET_MS,
      });
      details[statuses] = { api, bare, plan: plan.rows.map((row) => row['QUERY PLAN']) };
    }
    return { rows, details };
  } finally {
    await sql.end().catch(() => undefined);
    await server?.stop();
    await services.dispose();
  }
}
