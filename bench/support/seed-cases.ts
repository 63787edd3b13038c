import type { Client } from 'pg';
import { RECOMPUTE_REPORT_FACTS_SQL } from '../../src/persistence/report-facts';

/**
 * Cases as two years of use leave them, for the benches that need a million of them.
 *
 * Case n (1…total) is received at `now − 730 days + 730 days × √(n / total)`: volume grows
 * steadily, so the last full month is the busiest (~8 % of all cases). Its status goes by n % 200
 * (20 % registered, 5 % accepted, 15 % investigating, 5 % awaiting_complainant, 0.5 % reopened,
 * 5 % resolved, the rest closed, rejected or withdrawn): the open ones have deadlines spread over
 * the next two weeks, a tenth of them already passed; closed cases have none, so by deadline they
 * all tie (the worst case for the deadline index). Everything else (type, category, department,
 * channel, severity, repeat links) is drawn from an MD5 of n, independent of the status.
 */
const SEED_CASES_SQL = `
insert into cases (id, number, type, category, status, severity, escalation_level, channel, description, description_script, description_simplified,
                   department_id, location, location_key, linked_case_id, sla, next_deadline, created_at, updated_at)
select md5('bench-case-' || g)::uuid,
       'TS-' || to_char(t.received at time zone 'Asia/Shanghai', 'YYYYMM') || '-' || lpad(g::text, 7, '0'),
       case when r.u1 < 0.85 then 'complaint' when r.u1 < 0.95 then 'report' else 'suggestion' end,
       (array['product_quality','product_quality','product_quality','product_quality','service_attitude','service_attitude','service_attitude','service_attitude',
              'delivery','delivery','delivery','fees_billing','fees_billing','fees_billing','business_process','business_process',
              'facilities_equipment','facilities_equipment','environment_hygiene','safety_hazard','other'])[1 + floor(r.u2 * 21)::int],
       s.status,
       case when r.u3 < 0.25 then 'major' else 'general' end,
       case when r.u3 < 0.25 then 1 else 0 end,
       (array['wechat','wechat','wechat','wechat','wechat','wecom','wecom','telegram','telegram','wechaty'])[1 + floor(r.u4 * 10)::int],
       '包裹已经三天没有送到，客服电话也打不通 #' || g, 'zh-Hans', '包裹已经三天没有送到，客服电话也打不通 #' || g,
       (array['customer_service','customer_service','customer_service','customer_service','customer_service','quality','quality','quality','quality',
              'logistics','logistics','logistics','logistics','operations','operations','operations','finance','finance','facilities','facilities',
              'environment','safety',null])[1 + floor(r.u1 * 1000)::int % 23],
       '人民路', '人民路',
       case when r.u2 * 1000 - floor(r.u2 * 1000) < 0.04 and g > 1000 then md5('bench-case-' || (g - 1 - floor(r.u3 * 1000)::int))::uuid end,
       case when d.deadline is null then '{}'::jsonb else jsonb_build_object('resolve', jsonb_build_object(
         'duration', '{"unit":"workingDays","amount":15}'::jsonb, 'startedAt', to_char(t.received at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'consumedMinutes', 0,
         'runningSince', to_char(t.received at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'deadline', to_char(d.deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) end,
       d.deadline,
       t.received,
       t.received
from generate_series(1, $1::int) as g
cross join lateral (select md5(g::text) as hash) as h
cross join lateral (select ('x' || substr(h.hash, 1, 8))::bit(32)::bigint / 4294967296.0 as u1, ('x' || substr(h.hash, 9, 8))::bit(32)::bigint / 4294967296.0 as u2,
                           ('x' || substr(h.hash, 17, 8))::bit(32)::bigint / 4294967296.0 as u3, ('x' || substr(h.hash, 25, 8))::bit(32)::bigint / 4294967296.0 as u4) as r
cross join lateral (select date_trunc('milliseconds', date_trunc('day', now()) - interval '730 days' + sqrt(g::float8 / $1::int) * interval '730 days') as received) as t
cross join lateral (select case
  when g % 200 < 40 then 'registered' when g % 200 < 50 then 'accepted' when g % 200 < 80 then 'investigating'
  when g % 200 < 90 then 'awaiting_complainant' when g % 200 = 90 then 'reopened' when g % 200 < 101 then 'resolved'
  when g % 200 < 190 then 'closed' when g % 200 < 195 then 'rejected' else 'withdrawn' end as status) as s
cross join lateral (select case when s.status in ('registered','accepted','investigating','awaiting_complainant','reopened')
  then date_trunc('milliseconds', now()) + (((g::bigint * 7919) % 20000) - 2000) * interval '1 minute' end as deadline) as d`;

const event = (type: string, actor: string, data: string) => `'${type}', '${actor}', (${data})::jsonb`;
const status = (from: string, to: string, action: string) => `'{"from":"${from}","to":"${to}","action":"${action}","reason":null}'`;

/**
 * The timeline each status implies, in the order the events happened (so the table is laid out
 * by time, as in use): submitted and routed; the first accept (85 % within 20 hours, the rest
 * 1–6 days later, after an acknowledge breach) or reject; investigation with a reply; a request
 * for information; the first resolution 1 hour to 15 days later, 12 % of them after a breach of
 * the resolve limit; 70 % of closed cases rated satisfied (the rest closed after the return
 * visit), every reopened one rated unsatisfied; withdrawals after 3 hours.
 */
const SEED_EVENTS_SQL = `
insert into case_events (case_id, at, type, actor_kind, data)
select c.id, e.at, e.type, e.actor_kind, e.data
from cases c
cross join lateral (select md5(c.number) as hash) as h
cross join lateral (select ('x' || substr(h.hash, 1, 8))::bit(32)::bigint / 4294967296.0 as u1, ('x' || substr(h.hash, 9, 8))::bit(32)::bigint / 4294967296.0 as u2,
                           ('x' || substr(h.hash, 17, 8))::bit(32)::bigint / 4294967296.0 as u3) as r
cross join lateral (select c.created_at + case when r.u1 < 0.85 then r.u1 / 0.85 * interval '20 hours' else interval '24 hours' + (r.u1 - 0.85) * interval '800 hours' end as ack) as a
cross join lateral (select a.ack + interval '1 hour' + r.u2 * r.u2 * interval '15 days' as resolved,
  c.status in ('investigating','awaiting_complainant','resolved','reopened','closed') as investigated,
  c.status in ('resolved','reopened','closed') as resolved_once) as v
cross join lateral (values
  (c.created_at, ${event('submitted', 'complainant', `jsonb_build_object('number', c.number, 'channel', c.channel)`)}),
  (c.created_at, ${event('routed', 'system', `jsonb_build_object('departmentId', c.department_id)`)}),
  (case when r.u1 >= 0.85 and c.status not in ('registered','withdrawn') then c.created_at + interval '24 hours' end, ${event('sla_breached', 'system', `'{"clock":"acknowledge"}'`)}),
  (case when c.status = 'accepted' or v.investigated then a.ack end, ${event('status_changed', 'staff', status('registered', 'accepted', 'accept'))}),
  (case when c.status = 'rejected' then a.ack end, ${event('status_changed', 'staff', status('registered', 'rejected', 'reject'))}),
  (case when v.investigated then a.ack + interval '10 minutes' end, ${event('status_changed', 'staff', status('accepted', 'investigating', 'startInvestigation'))}),
  (case when v.investigated then a.ack + interval '40 minutes' end, ${event('replied', 'staff', `'{"text":"您好，我们已经在核实，请耐心等待。"}'`)}),
  (case when c.status = 'awaiting_complainant' then a.ack + interval '1 day' end, ${event('status_changed', 'staff', status('investigating', 'awaiting_complainant', 'requestInformation'))}),
  (case when v.resolved_once and r.u3 < 0.12 then v.resolved - interval '1 hour' end, ${event('sla_breached', 'system', `'{"clock":"resolve"}'`)}),
  (case when v.resolved_once then v.resolved end, ${event('status_changed', 'staff', status('investigating', 'resolved', 'resolve'))}),
  (case when c.status = 'reopened' or (c.status = 'closed' and r.u3 < 0.7) then v.resolved + interval '1 day' end,
    ${event('rated', 'complainant', `jsonb_build_object('satisfied', c.status = 'closed', 'score', case when c.status = 'closed' then 5 else 2 end, 'reason', null)`)}),
  (case when c.status = 'closed' then v.resolved + case when r.u3 < 0.7 then interval '1 day' else interval '6 days' end end, ${event('status_changed', 'system', status('resolved', 'closed', 'close'))}),
  (case when c.status = 'reopened' then v.resolved + interval '1 day' end, ${event('status_changed', 'complainant', status('resolved', 'reopened', 'reopen'))}),
  (case when c.status = 'withdrawn' then c.created_at + interval '3 hours' end, ${event('status_changed', 'complainant', status('registered', 'withdrawn', 'withdraw'))})
) as e(at, type, actor_kind, data)
where e.at is not null
order by e.at`;

/** Runs one seeding step, saying what it does and, when done, how long it took: they take minutes. */
async function step(label: string, work: () => Promise<unknown>): Promise<void> {
  process.stdout.write(`  ${label}…`);
  const started = performance.now();
  await work();
  process.stdout.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

/** Inserts `total` cases (see SEED_CASES_SQL) in one statement and analyzes the table. */
export async function seedCases(sql: Client, total: number): Promise<void> {
  await step(`seeding ${total.toLocaleString('en')} cases`, () => sql.query(SEED_CASES_SQL, [total]));
  await step('analyzing them', () => sql.query('vacuum analyze cases'));
}

/**
 * Gives every seeded case the timeline its status implies (~6 events a case), then the report
 * facts on the case rows that the app keeps as it appends events, and analyzes both tables.
 */
export async function seedCaseEvents(sql: Client): Promise<void> {
  // The case ids come from the cases table itself: skipping the foreign-key trigger saves a lookup per event.
  await sql.query(`set session_replication_role = replica`);
  try {
    await step('seeding their timelines', () => sql.query(SEED_EVENTS_SQL));
  } finally {
    await sql.query(`set session_replication_role = default`);
  }
  await step('analyzing them', () => sql.query('vacuum analyze case_events'));
  await step('computing the report facts on the cases', () => sql.query(RECOMPUTE_REPORT_FACTS_SQL));
  await step('analyzing them', () => sql.query('vacuum analyze cases'));
}
