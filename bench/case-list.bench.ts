import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createStaffMember } from '../src/application/staff-accounts';
import { openDatabase } from '../src/persistence/database';
import { createStore } from '../src/persistence/store';
import { startChildServer, type ChildServer } from './support/app-process';
import { ms, percentile, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { benchServices } from './support/services';

const P95_TARGET_MS = 20;
const PASSWORD = 'bench password 2026';
const REDIS_DB = 13;
// Open statuses the desk works through by deadline; `reopened` is the rare one (0.5%); closed
// cases have no deadline, so by deadline they all tie (the worst case for the deadline index).
const QUERIES = ['registered,investigating', 'reopened', 'closed'] as const;

/**
 * Cases as a year of use leaves them: most closed without a deadline, the open ones with deadlines
 * spread over the coming days. status by g % 200: 20% registered, 5% accepted, 15% investigating,
 * 5% awaiting_complainant, 0.5% reopened, 5% resolved, the rest closed, rejected or withdrawn.
 */
const SEED_SQL = `
insert into cases (number, type, category, status, severity, channel, description, description_script, description_simplified,
                   department_id, location, location_key, sla, next_deadline, created_at, updated_at)
select 'TS-' || to_char(date '2024-01-01' + (g / 5000), 'YYMMDD') || '-' || lpad((g % 5000)::text, 4, '0'),
       'complaint',
       (array['delivery','billing','service','product','staff'])[1 + g % 5],
       s.status,
       (array['general','general','general','major'])[1 + g % 4],
       (array['telegram','wechat','wechaty'])[1 + g % 3],
       '包裹已经三天没有送到，客服电话也打不通 #' || g, 'zh-Hans', '包裹已经三天没有送到，客服电话也打不通 #' || g,
       (array['customer_service','quality','operations','logistics'])[1 + g % 4],
       '人民路', '人民路',
       case when d.deadline is null then '{}'::jsonb else jsonb_build_object('resolve', jsonb_build_object(
         'duration', '{"unit":"workingDays","amount":15}'::jsonb, 'startedAt', '2024-01-01T00:00:00.000Z', 'consumedMinutes', 0,
         'runningSince', '2024-01-01T00:00:00.000Z', 'deadline', to_char(d.deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) end,
       d.deadline,
       timestamptz '2024-01-01' + (g * interval '30 seconds'),
       timestamptz '2024-01-01' + (g * interval '30 seconds')
from generate_series(1, $1::int) as g
cross join lateral (select case
  when g % 200 < 40 then 'registered' when g % 200 < 50 then 'accepted' when g % 200 < 80 then 'investigating'
  when g % 200 < 90 then 'awaiting_complainant' when g % 200 = 90 then 'reopened' when g % 200 < 101 then 'resolved'
  when g % 200 < 190 then 'closed' when g % 200 < 195 then 'rejected' else 'withdrawn' end as status) as s
cross join lateral (select case when s.status in ('registered','accepted','investigating','awaiting_complainant','reopened')
  then date_trunc('milliseconds', now()) + ((g::bigint * 7919) % 20000) * interval '1 minute' end as deadline) as d`;

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
    await sql.query(SEED_SQL, [total]);
    await sql.query('vacuum analyze cases');
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
      });
      const params = [...statuses.split(','), supervisor.id];
      const query = bareSql(params.length - 1);
      const bare = await timeIt(samples, () => sql.query(query, params));
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

async function timeIt(samples: number, work: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < 10; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
}
