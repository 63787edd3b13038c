import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { drizzle } from 'drizzle-orm/node-postgres';
import { eq, inArray } from 'drizzle-orm';
import { Pool } from 'pg';
import { monthlyReport, summaryReport } from '../../src/application/reports';
import type { Case } from '../../src/domain/case';
import { instantOfWallClock } from '../../src/domain/time-zone';
import { notificationSays } from '../../src/conversation/notification-says';
import type { Database } from '../../src/persistence/database';
import { outbox, schema } from '../../src/persistence/schema';
import { createStore } from '../../src/persistence/store';
import { createReportSchedule } from '../../src/queues/report-schedule';
import { buildCase } from '../support/case-builder';
import { startAdminApp, type AdminApp } from '../support/admin-app';

type Member = Awaited<ReturnType<AdminApp['staff']>>;

// Wall-clock times in Asia/Shanghai, the policy's zone.
const local = (text: string) => {
  const [date, time = '00:00'] = text.split(' ');
  const [y, m, d] = date!.split('-').map(Number);
  const [h, min] = time.split(':').map(Number);
  return instantOfWallClock(Date.UTC(y!, m! - 1, d!, h!, min!), 'Asia/Shanghai');
};
const clockUntil = (deadline: string) => ({
  duration: { unit: 'workingDays' as const, amount: 3 },
  startedAt: local('2026-11-01').toISOString(),
  consumedMinutes: 0,
  runningSince: local('2026-11-01').toISOString(),
  deadline: local(deadline).toISOString(),
});

/*
 * The month 2026-11, by hand (L = logistics, S = customer_service):
 *   A delivery L   received 11-02 09:00, accepted +1 h, resolved 11-03 09:00 (8 working h), rated satisfied, closed
 *   B delivery L   received 11-02 14:00, accepted 11-04 (46 h: late), resolve limit breached 11-06, resolved 11-09 10:00
 *                  (37 working h: late), rated unsatisfied → reopened, deadline 11-20 17:00 (overdue)
 *   C delivery L   repeat of A; received 11-05 09:00, accepted +30 min, resolved 12:00 (3 h), not rated yet
 *   D service  S   received 11-03 09:00, rejected +2 h
 *   E service  S   received 11-10 09:00, nothing yet; deadline 11-30 10:00
 *   F service  S   received 11-11 09:00, accepted +1 h, an acknowledge breach (not the resolve clock), resolved 11-12 13:00 (11 h), satisfied
 *   G product  L   received 11-16 09:00, accepted +10 min, resolved 11:00 (2 h), unsatisfied → reopened, resolved again, satisfied
 *   H product  S   repeat of D; received 11-17 09:00, accepted after 25 h, investigating, deadline 11-20 09:00 (overdue)
 *   I product  L   about the agent X; received 11-19 09:00, nothing yet; deadline 11-30 11:00
 *   K delivery S   received 11-01 00:30 local (still October in UTC), withdrawn
 *   J delivery L   received 10-31 23:30 local: October, only in the trend
 * Totals: received 10; acknowledged within 24 h 5 (A C D F G) = 50 %; resolved 5 (A B C F G), on time 4 = 80 %;
 * resolved or closed now 4 (A C F G) = 40 %; ratings 5, satisfied 3 = 60 %; reopened 2 (B G) of 5 = 40 %;
 * repeats 2 (C H) = 20 %; handling hours 2 3 8 11 37: average 12.2, p90 37. Open: H B E I; overdue: H B.
 */
const EXPECTED = {
  total: { received: 10, acknowledgedWithin24h: 5, resolved: 5, resolvedOnTime: 4, resolvedOrClosed: 4, ratings: 5, satisfied: 3, reopened: 2, repeat: 2, ack: 0.5, onTime: 0.8, resolution: 0.4, satisfaction: 0.6, reopen: 0.4, repeatRate: 0.2, average: 12.2, p90: 37 },
  delivery: { received: 4, acknowledgedWithin24h: 2, resolved: 3, resolvedOnTime: 2, resolvedOrClosed: 2, ratings: 2, satisfied: 1, reopened: 1, repeat: 1, ack: 0.5, onTime: 2 / 3, resolution: 0.5, satisfaction: 0.5, reopen: 1 / 3, repeatRate: 0.25, average: 16, p90: 37 },
  service_attitude: { received: 3, acknowledgedWithin24h: 2, resolved: 1, resolvedOnTime: 1, resolvedOrClosed: 1, ratings: 1, satisfied: 1, reopened: 0, repeat: 0, ack: 2 / 3, onTime: 1, resolution: 1 / 3, satisfaction: 1, reopen: 0, repeatRate: 0, average: 11, p90: 11 },
  product_quality: { received: 3, acknowledgedWithin24h: 1, resolved: 1, resolvedOnTime: 1, resolvedOrClosed: 1, ratings: 2, satisfied: 1, reopened: 1, repeat: 1, ack: 1 / 3, onTime: 1, resolution: 1 / 3, satisfaction: 0.5, reopen: 1, repeatRate: 1 / 3, average: 2, p90: 2 },
  logistics: { received: 5, acknowledgedWithin24h: 3, resolved: 4, resolvedOnTime: 3, resolvedOrClosed: 3, ratings: 4, satisfied: 2, reopened: 2, repeat: 1, ack: 0.6, onTime: 0.75, resolution: 0.6, satisfaction: 0.5, reopen: 0.5, repeatRate: 0.2, average: 12.5, p90: 37 },
  customer_service: { received: 5, acknowledgedWithin24h: 2, resolved: 1, resolvedOnTime: 1, resolvedOrClosed: 1, ratings: 1, satisfied: 1, reopened: 0, repeat: 1, ack: 0.4, onTime: 1, resolution: 0.2, satisfaction: 1, reopen: 0, repeatRate: 0.2, average: 11, p90: 11 },
};
type Expected = (typeof EXPECTED)['total'];
const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

describe('statistics and reports (issue 8)', () => {
  let admin: AdminApp;
  let leader: Member;
  let logisticsManager: Member;
  let agentX: Member;
  let serviceAgent: Member;
  const numbers: Record<string, string> = {};

  const get = (member: Member, path: string) => admin.api().get(`/api/v1${path}`).set('Authorization', `Bearer ${member.token}`);

  async function seed(name: string, received: string, overrides: Partial<Case>, events: Array<[string, string, Record<string, unknown>]> = []) {
    const record = buildCase({ createdAt: local(received), updatedAt: local(received), ...overrides });
    await admin.app.store.cases.insert(record);
    await admin.app.store.events.append(events.map(([at, type, data]) => ({ caseId: record.id, at: local(at), type, actor: { kind: 'system' as const }, data })));
    numbers[name] = record.number;
    return record;
  }
  const status = (action: string) => ({ action });

  beforeAll(async () => {
    admin = await startAdminApp(new Date('2026-11-23T02:00:00Z'));
    leader = await admin.staff('supervisor', { departmentId: null, name: '领导' });
    logisticsManager = await admin.staff('supervisor', { departmentId: 'logistics', name: '物流经理' });
    agentX = await admin.staff('agent', { departmentId: 'logistics', name: '王五' });
    serviceAgent = await admin.staff('agent', { departmentId: 'customer_service' });
    await admin.app.store.departments.update('logistics', { managerStaffId: logisticsManager.id });

    const L = 'logistics';
    const S = 'customer_service';
    const a = await seed('A', '2026-11-02 09:00', { category: 'delivery', departmentId: L, status: 'closed' }, [
      ['2026-11-02 10:00', 'status_changed', status('accept')],
      ['2026-11-03 09:00', 'status_changed', status('resolve')],
      ['2026-11-04 09:00', 'rated', { satisfied: true }],
      ['2026-11-04 09:00', 'status_changed', status('close')],
    ]);
    await seed('B', '2026-11-02 14:00', { category: 'delivery', departmentId: L, status: 'reopened', sla: { resolve: clockUntil('2026-11-20 17:00') } }, [
      ['2026-11-04 10:00', 'status_changed', status('accept')],
      ['2026-11-06 10:00', 'sla_breached', { clock: 'resolve' }],
      ['2026-11-09 10:00', 'status_changed', status('resolve')],
      ['2026-11-10 09:00', 'rated', { satisfied: false }],
      ['2026-11-10 09:00', 'status_changed', status('reopen')],
    ]);
    await seed('C', '2026-11-05 09:00', { category: 'delivery', departmentId: L, status: 'resolved', linkedCaseId: a.id }, [
      ['2026-11-05 09:30', 'status_changed', status('accept')],
      ['2026-11-05 12:00', 'status_changed', status('resolve')],
    ]);
    const d = await seed('D', '2026-11-03 09:00', { category: 'service_attitude', departmentId: S, status: 'rejected' }, [['2026-11-03 11:00', 'status_changed', status('reject')]]);
    await seed('E', '2026-11-10 09:00', { category: 'service_attitude', departmentId: S, status: 'registered', sla: { acknowledge: clockUntil('2026-11-30 10:00') } });
    await seed('F', '2026-11-11 09:00', { category: 'service_attitude', departmentId: S, status: 'closed' }, [
      ['2026-11-11 09:30', 'sla_breached', { clock: 'acknowledge' }],
      ['2026-11-11 10:00', 'status_changed', status('accept')],
      ['2026-11-12 13:00', 'status_changed', status('resolve')],
      ['2026-11-13 09:00', 'rated', { satisfied: true }],
    ]);
    await seed('G', '2026-11-16 09:00', { category: 'product_quality', departmentId: L, status: 'closed' }, [
      ['2026-11-16 09:10', 'status_changed', status('accept')],
      ['2026-11-16 11:00', 'status_changed', status('resolve')],
      ['2026-11-17 09:00', 'rated', { satisfied: false }],
      ['2026-11-17 09:00', 'status_changed', status('reopen')],
      ['2026-11-18 10:00', 'status_changed', status('resolve')],
      ['2026-11-19 09:00', 'rated', { satisfied: true }],
    ]);
    await seed('H', '2026-11-17 09:00', { category: 'product_quality', departmentId: S, status: 'investigating', linkedCaseId: d.id, sla: { resolve: clockUntil('2026-11-20 09:00') } }, [
      ['2026-11-18 10:00', 'status_changed', status('accept')],
    ]);
    await seed('I', '2026-11-19 09:00', { category: 'product_quality', departmentId: L, status: 'registered', accusedStaffId: agentX.id, sla: { acknowledge: clockUntil('2026-11-30 11:00') } });
    await seed('K', '2026-11-01 00:30', { category: 'delivery', departmentId: S, status: 'withdrawn' });
    await seed('J', '2026-10-31 23:30', { category: 'delivery', departmentId: L, status: 'closed' });
  });
  afterAll(async () => {
    await admin.stop();
  });

  const expectFigures = (figures: Record<string, unknown>, expected: Expected) => {
    expect(figures).toMatchObject({
      received: expected.received,
      acknowledgedWithin24h: expected.acknowledgedWithin24h,
      resolved: expected.resolved,
      resolvedOnTime: expected.resolvedOnTime,
      resolvedOrClosed: expected.resolvedOrClosed,
      ratings: expected.ratings,
      satisfied: expected.satisfied,
      reopened: expected.reopened,
      repeat: expected.repeat,
    });
    expect(figures.acknowledgedWithin24hRate).toBeCloseTo(expected.ack, 6);
    expect(figures.resolvedOnTimeRate).toBeCloseTo(expected.onTime, 6);
    expect(figures.resolutionRate).toBeCloseTo(expected.resolution, 6);
    expect(figures.satisfactionRate).toBeCloseTo(expected.satisfaction, 6);
    expect(figures.reopenRate).toBeCloseTo(expected.reopen, 6);
    expect(figures.repeatRate).toBeCloseTo(expected.repeatRate, 6);
    const hours = figures.handlingHours as { average: number; p90: number };
    expect(hours.average).toBeCloseTo(expected.average, 6);
    expect(hours.p90).toBeCloseTo(expected.p90, 6);
  };
  const byKey = (groups: Array<{ key: string | null; figures: Record<string, unknown> }>) => Object.fromEntries(groups.map((group) => [group.key, group.figures]));

  it('computes every monthly figure by category, by department and in total, with the lists and the 12-month trend', async () => {
    const report = (await get(leader, '/reports/monthly?month=2026-11').expect(200)).body;
    expect(report.period).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-30T16:00:00.000Z', timeZone: 'Asia/Shanghai' });
    expectFigures(report.total, EXPECTED.total);
    const categories = byKey(report.byCategory);
    expect(Object.keys(categories).sort()).toEqual(['delivery', 'product_quality', 'service_attitude']);
    for (const key of ['delivery', 'service_attitude', 'product_quality'] as const) expectFigures(categories[key]!, EXPECTED[key]);
    const departments = byKey(report.byDepartment);
    for (const key of ['logistics', 'customer_service'] as const) expectFigures(departments[key]!, EXPECTED[key]);

    expect(report.open.total).toBe(4);
    expect(report.open.items.map((item: { number: string }) => item.number)).toEqual([numbers.H, numbers.B, numbers.E, numbers.I]);
    expect(report.overdue.total).toBe(2);
    expect(report.overdue.items).toEqual([
      { number: numbers.H, category: 'product_quality', departmentId: 'customer_service', status: 'investigating', createdAt: local('2026-11-17 09:00').toISOString(), deadline: local('2026-11-20 09:00').toISOString() },
      expect.objectContaining({ number: numbers.B, deadline: local('2026-11-20 17:00').toISOString() }),
    ]);

    expect(report.trend.months).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    const trend = Object.fromEntries(report.trend.categories.map((c: { category: string; received: number[] }) => [c.category, c.received]));
    expect(trend).toEqual({ product_quality: [...Array(11).fill(0), 3], service_attitude: [...Array(11).fill(0), 3], delivery: [...Array(10).fill(0), 1, 4] });
  });

  it('groups the summary of any period by the dimension asked for', async () => {
    const summary = (await get(leader, '/reports/summary?from=2026-11-01&to=2026-12-01&groupBy=department').expect(200)).body;
    expectFigures(summary.total, EXPECTED.total);
    expectFigures(byKey(summary.groups).logistics!, EXPECTED.logistics);
    const bySeverity = (await get(leader, '/reports/summary?from=2026-11-16&to=2026-11-18&groupBy=severity').expect(200)).body;
    expect(bySeverity.groups).toEqual([expect.objectContaining({ key: 'general', figures: expect.objectContaining({ received: 2 }) })]);
    await get(leader, '/reports/summary?from=2026-11-01&to=2026-12-01&groupBy=colour').expect(400);
    await get(leader, '/reports/monthly?month=2026-13').expect(400);
  });

  it('scopes reports as the case list: an agent sees their department, never the cases about themselves', async () => {
    const own = (await get(agentX, '/reports/monthly?month=2026-11').expect(200)).body;
    expect(own.total.received).toBe(4); // A B C G: I is about agent X
    expect(own.byDepartment.map((g: { key: string }) => g.key)).toEqual(['logistics']);
    expect(own.open.items.map((item: { number: string }) => item.number)).toEqual([numbers.B]);
    const service = (await get(serviceAgent, '/reports/summary?from=2026-11-01&to=2026-12-01').expect(200)).body;
    expect(service.total.received).toBe(5);
    expect(service.groups.map((g: { key: string }) => g.key).sort()).toEqual(['delivery', 'product_quality', 'service_attitude']);
    const manager = (await get(logisticsManager, '/reports/monthly?month=2026-11').expect(200)).body;
    expectFigures(manager.total, EXPECTED.logistics);
  });

  it('exports the same figures as CSV', async () => {
    const response = await get(leader, '/reports/monthly.csv?month=2026-11').expect(200);
    expect(response.headers['content-type']).toContain('text/csv');
    const [header, ...lines] = response.text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((line) => line.split(','));
    const rows = Object.fromEntries(lines.map((cells) => [`${cells[0]}:${cells[1]}`, Object.fromEntries(header!.map((name, i) => [name, cells[i]]))]));
    const check = (row: Record<string, string | undefined>, expected: Expected) => {
      expect(row).toMatchObject({
        received: String(expected.received),
        acknowledgedWithin24h: String(expected.acknowledgedWithin24h),
        acknowledgedWithin24hRate: pct(expected.ack),
        resolved: String(expected.resolved),
        resolvedOnTimeRate: pct(expected.onTime),
        resolutionRate: pct(expected.resolution),
        satisfactionRate: pct(expected.satisfaction),
        reopenRate: pct(expected.reopen),
        repeatRate: pct(expected.repeatRate),
        handlingHoursAverage: expected.average.toFixed(1),
        handlingHoursP90: expected.p90.toFixed(1),
      });
    };
    check(rows['total:']!, EXPECTED.total);
    check(rows['category:delivery']!, EXPECTED.delivery);
    check(rows['category:service_attitude']!, EXPECTED.service_attitude);
    check(rows['category:product_quality']!, EXPECTED.product_quality);
    check(rows['department:logistics']!, EXPECTED.logistics);
    check(rows['department:customer_service']!, EXPECTED.customer_service);
  });

  it('exports a workbook with one sheet per table, numbers as numbers and rates as formatted percentages', async () => {
    const response = await get(leader, '/reports/monthly.xlsx?month=2026-11')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.body as never);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Figures 指标', 'Open 未结', 'Overdue 超期', 'Trend 趋势']);
    const sheet = workbook.getWorksheet('Figures 指标')!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const column = (name: string) => headers.findIndex((header) => header.endsWith(name)) + 1;
    const rowOf = (dimension: string, key: string) => {
      let found: ExcelJS.Row | undefined;
      sheet.eachRow((row) => {
        if (row.getCell(1).value === dimension && (row.getCell(2).value ?? '') === key) found = row;
      });
      return found!;
    };
    const check = (row: ExcelJS.Row, expected: Expected) => {
      expect(row.getCell(column('Received')).value).toBe(expected.received);
      expect(row.getCell(column('Acknowledged within 24 h')).value).toBe(expected.acknowledgedWithin24h);
      const rateCell = row.getCell(column('Acknowledgement rate'));
      expect(rateCell.value).toBeCloseTo(expected.ack, 6);
      expect(rateCell.numFmt).toBe('0.0%');
      expect(row.getCell(column('Resolved on time')).value).toBeCloseTo(expected.onTime, 6);
      expect(row.getCell(column('Resolution rate')).value).toBeCloseTo(expected.resolution, 6);
      expect(row.getCell(column('Satisfaction rate')).value).toBeCloseTo(expected.satisfaction, 6);
      expect(row.getCell(column('Reopen rate')).value).toBeCloseTo(expected.reopen, 6);
      expect(row.getCell(column('Repeat-complaint rate')).value).toBeCloseTo(expected.repeatRate, 6);
      expect(row.getCell(column('Average handling (working h)')).value).toBeCloseTo(expected.average, 6);
      expect(row.getCell(column('90th percentile handling (working h)')).value).toBeCloseTo(expected.p90, 6);
    };
    check(rowOf('total', ''), EXPECTED.total);
    check(rowOf('category', 'delivery'), EXPECTED.delivery);
    check(rowOf('category', 'product_quality'), EXPECTED.product_quality);
    check(rowOf('department', 'customer_service'), EXPECTED.customer_service);
    const overdue = workbook.getWorksheet('Overdue 超期')!;
    expect([overdue.getRow(2).getCell(1).value, overdue.getRow(3).getCell(1).value]).toEqual([numbers.H, numbers.B]);
    const trend = workbook.getWorksheet('Trend 趋势')!;
    let delivery: unknown[] = [];
    trend.eachRow((row) => {
      if (row.getCell(1).value === 'delivery') delivery = (row.values as unknown[]).slice(2);
    });
    expect(delivery.slice(-2)).toEqual([1, 4]);
  });

  it('prints an HTML report with the same figures, SVG charts and escaped text, behind the session cookie', async () => {
    await admin.api().get('/admin/reports/monthly.html?month=2026-11').expect(401);
    const html = (await admin.api().get('/admin/reports/monthly.html?month=2026-11').set('Cookie', `${await sessionCookie(leader)}`).expect(200)).text;
    expect(html).toContain('投诉处理月报 2026-11 <small>Monthly complaint report 2026-11</small>');
    const cell = (dimension: string, key: string, figure: string) => {
      const row = new RegExp(`<tr class="${dimension}" data-dimension="${dimension}" data-key="${key}">(.*?)</tr>`).exec(html)?.[1] ?? '';
      return new RegExp(`data-figure="${figure}">([^<]*)<`).exec(row)?.[1];
    };
    for (const [dimension, key, expected] of [
      ['total', '', EXPECTED.total],
      ['category', 'delivery', EXPECTED.delivery],
      ['category', 'service_attitude', EXPECTED.service_attitude],
      ['department', 'logistics', EXPECTED.logistics],
    ] as const) {
      expect(cell(dimension, key, 'received')).toBe(String(expected.received));
      expect(cell(dimension, key, 'acknowledgedWithin24hRate')).toBe(pct(expected.ack));
      expect(cell(dimension, key, 'resolvedOnTimeRate')).toBe(pct(expected.onTime));
      expect(cell(dimension, key, 'resolutionRate')).toBe(pct(expected.resolution));
      expect(cell(dimension, key, 'satisfactionRate')).toBe(pct(expected.satisfaction));
      expect(cell(dimension, key, 'reopenRate')).toBe(pct(expected.reopen));
      expect(cell(dimension, key, 'repeatRate')).toBe(pct(expected.repeatRate));
      expect(cell(dimension, key, 'handlingHoursAverage')).toBe(expected.average.toFixed(1));
      expect(cell(dimension, key, 'handlingHoursP90')).toBe(expected.p90.toFixed(1));
    }
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<polyline');
    expect(html).toContain('@media print');
    expect(html).toContain(`<p id="overdue-total">共 2 件</p>`);
  });

  it('escapes names that come from the data', async () => {
    await admin.app.store.departments.update('customer_service', { name: { 'zh-Hans': '<script>alert(1)</script>', en: 'Service' } });
    try {
      const html = (await admin.api().get('/admin/reports/monthly.html?month=2026-11').set('Cookie', await sessionCookie(leader)).expect(200)).text;
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    } finally {
      await admin.app.store.departments.update('customer_service', { name: { 'zh-Hans': '客服部', en: 'Customer service' } });
    }
  });

  it('needs a single-digit number of queries, however many cases the month has', async () => {
    const pool = new Pool({ connectionString: admin.app.config.env.DATABASE_URL, max: 4 });
    let queries = 0;
    const db = drizzle(pool, { schema, logger: { logQuery: () => void (queries += 1) } }) as unknown as Database;
    try {
      const store = createStore(db);
      const deps = { store, calendar: admin.app.cases.calendar, categories: admin.app.cases.policy.categories };
      const report = await monthlyReport(deps, leader, '2026-11', admin.clock.now);
      expect(report.total.received).toBe(10);
      expect(queries).toBeLessThanOrEqual(6);
      queries = 0;
      await summaryReport(deps, leader, { from: local('2026-11-01'), to: local('2026-12-01'), groupBy: 'channel' }, admin.clock.now);
      expect(queries).toBeLessThanOrEqual(5);
    } finally {
      await pool.end();
    }
  });

  describe('scheduled delivery', () => {
    const clock = { now: new Date() };
    let redis: Redis;
    let schedule: ReturnType<typeof createReportSchedule>;
    const sent = async (kind: string) => {
      const rows = await admin.app.database.db.select().from(outbox).where(eq(outbox.kind, kind));
      return rows;
    };

    beforeAll(async () => {
      redis = new Redis(`${admin.app.config.env.REDIS_URL}`, { maxRetriesPerRequest: null });
      schedule = createReportSchedule({
        connection: redis,
        cases: admin.app.cases,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
        publicUrl: 'https://complaints.example.com/',
        clock: () => clock.now,
        prefix: 'reports-test',
        worker: false,
      });
    });
    afterAll(async () => {
      await schedule.close();
      await redis.quit();
    });

    it('registers a daily run at 09:00 in the policy time zone', async () => {
      await schedule.schedule();
      await schedule.schedule();
      const schedulers = await schedule.queue.getJobSchedulers();
      expect(schedulers).toEqual([expect.objectContaining({ pattern: '0 9 * * *', tz: 'Asia/Shanghai' })]);
    });

    it('sends the previous month on the first working day, once, to each department manager and the leadership', async () => {
      clock.now = local('2026-11-25 09:00'); // a Wednesday: nothing due
      expect(await schedule.runOnce()).toBe(0);
      clock.now = local('2026-12-01 09:00'); // Tuesday, the first working day of December
      expect(await schedule.runOnce()).toBe(2);
      expect(await schedule.runOnce()).toBe(0);
      const rows = await sent('monthly_report');
      expect(rows).toHaveLength(2);
      const toLeader = rows.find((row) => row.recipientStaffId === leader.id)!;
      expect(toLeader.payload).toMatchObject({
        period: '2026-11',
        received: 10,
        acknowledgedWithin24hRate: '50.0%',
        resolvedOnTimeRate: '80.0%',
        resolutionRate: '40.0%',
        satisfactionRate: '60.0%',
        repeatRate: '20.0%',
        link: 'https://complaints.example.com/admin/reports/monthly.html?month=2026-11',
      });
      expect(rows.find((row) => row.recipientStaffId === logisticsManager.id)!.payload).toMatchObject({ received: 5, resolvedOnTimeRate: '75.0%' });
      const says = notificationSays('monthly_report', toLeader.payload);
      expect(says).toEqual([{ kind: 'text', text: expect.objectContaining({ key: 'notify.monthlyReport' }) }]);
    });

    it('sends the weekly brief of the week before on Mondays, once', async () => {
      clock.now = local('2026-11-23 09:00'); // Monday: the week of 11-16
      expect(await schedule.runOnce()).toBe(2);
      clock.now = local('2026-11-23 15:00');
      expect(await schedule.runOnce()).toBe(0);
      const rows = await sent('weekly_brief');
      expect(rows).toHaveLength(2);
      // G H I were received from 11-16 to 11-22; G was acknowledged within 24 h.
      expect(rows.find((row) => row.recipientStaffId === leader.id)!.payload).toMatchObject({ period: '2026-11-16', received: 3, acknowledgedWithin24hRate: '33.3%', link: expect.stringContaining('month=2026-11') });
      await admin.app.database.db.delete(outbox).where(inArray(outbox.kind, ['weekly_brief', 'monthly_report']));
    });
  });

  async function sessionCookie(member: Member): Promise<string> {
    const response = await admin.api().post('/api/v1/auth/login').send({ username: member.username, password: 'correct horse battery staple' }).expect(200);
    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    return cookies.map((cookie) => cookie.split(';')[0]).join('; ');
  }
});
