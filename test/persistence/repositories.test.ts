import { sql } from 'drizzle-orm';
import type { Store } from '../../src/application/ports';
import { RECOMPUTE_REPORT_FACTS_SQL } from '../../src/persistence/report-facts';
import { createStore } from '../../src/persistence/store';
import { openDatabase } from '../../src/persistence/database';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases';
import { defaultConfig } from '../support/app-config';
import { buildCase } from '../support/case-builder';

describe.each(DATABASE_KINDS)('repositories on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    store = createStore(database.db);
    await store.departments.ensure(defaultConfig().policy.departments);
  });

  afterAll(async () => {
    await database.destroy();
  });

  it('answers a ping once migrated', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('counts each key on its own, from 1', async () => {
    expect(await store.counters.next('TS-202611')).toBe(1);
    expect(await store.counters.next('TS-202611')).toBe(2);
    expect(await store.counters.next('JB-202611')).toBe(1);
    expect(await store.counters.next('TS-202612')).toBe(1);
  });

  it('gives a counter value back when its transaction rolls back', async () => {
    const before = await store.counters.next('JY-202611');
    await expect(
      store.transaction(async (repos) => {
        await repos.counters.next('JY-202611');
        throw new Error('crash after taking a number');
      }),
    ).rejects.toThrow('crash after taking a number');
    expect(await store.counters.next('JY-202611')).toBe(before + 1);
  });

  it('stores a case as given and finds it by id and by number', async () => {
    const record = buildCase({
      number: 'TS-202611-0042',
      description: '電梯裡有人被困',
      descriptionScript: 'zh-Hant',
      descriptionSimplified: '电梯里有人被困',
      wants: ['repair', 'apology'],
      severityReasons: [{ kind: 'keyword', keyword: '被困' }],
      incidentAt: new Date('2026-11-17T07:00:00Z'),
    });
    await store.cases.insert(record);
    expect(await store.cases.get(record.id)).toEqual(record);
    expect(await store.cases.findByNumber('TS-202611-0042')).toEqual(record);
    expect(await store.cases.findByNumber('TS-202611-9999')).toBeNull();
  });

  it('refuses a second case with the same number', async () => {
    await store.cases.insert(buildCase({ number: 'TS-202611-0100' }));
    await expect(store.cases.insert(buildCase({ number: 'TS-202611-0100' }))).rejects.toThrow();
  });

  it('saves only over the version it read, and bumps it', async () => {
    const record = buildCase();
    await store.cases.insert(record);
    expect(await store.cases.update({ ...record, status: 'accepted' })).toBe(true);
    expect(await store.cases.update({ ...record, status: 'rejected' })).toBe(false);
    const stored = await store.cases.get(record.id);
    expect(stored).toMatchObject({ status: 'accepted', version: 2 });
  });

  it('keeps timeline events in order with their actors', async () => {
    const record = buildCase();
    await store.cases.insert(record);
    const at = new Date('2026-11-18T03:00:00Z');
    await store.events.append([
      { caseId: record.id, at, type: 'submitted', actor: { kind: 'complainant', identityId: null }, data: { number: record.number } },
      { caseId: record.id, at, type: 'note', actor: { kind: 'system' }, data: { text: '已电话联系' } },
    ]);
    const events = await store.events.listForCase(record.id);
    expect(events.map((e) => [e.type, e.actor.kind, e.data])).toEqual([
      ['submitted', 'complainant', { number: record.number }],
      ['note', 'system', { text: '已电话联系' }],
    ]);
  });

  describe('report facts on the case row', () => {
    const at = (iso: string) => new Date(iso);
    const factsOf = async (caseId: string) => {
      const { rows } = (await database.db.execute(
        sql`select (extract(epoch from first_acknowledged_at) * 1000)::float8 as ack, (extract(epoch from first_resolved_at) * 1000)::float8 as resolved,
                   (extract(epoch from first_resolve_breach_at) * 1000)::float8 as breach, ratings, satisfied_ratings, reopened
            from cases where id = ${caseId}`,
      )) as unknown as { rows: Array<{ ack: number | null; resolved: number | null; breach: number | null; ratings: number; satisfied_ratings: number; reopened: boolean }> };
      const row = rows[0]!;
      const instant = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
      return { acknowledgedAt: instant(row.ack), resolvedAt: instant(row.resolved), resolveBreachAt: instant(row.breach), ratings: row.ratings, satisfiedRatings: row.satisfied_ratings, reopened: row.reopened };
    };
    const system = { kind: 'system' as const };

    it('follow the events as they are appended, whatever their order, and survive a save of the case', async () => {
      const record = buildCase();
      await store.cases.insert(record);
      expect(await factsOf(record.id)).toEqual({ acknowledgedAt: null, resolvedAt: null, resolveBreachAt: null, ratings: 0, satisfiedRatings: 0, reopened: false });
      await store.events.append([
        { caseId: record.id, at: at('2026-11-02T02:00:00Z'), type: 'status_changed', actor: system, data: { action: 'accept' } },
        { caseId: record.id, at: at('2026-11-02T02:30:00Z'), type: 'sla_breached', actor: system, data: { clock: 'acknowledge' } },
        { caseId: record.id, at: at('2026-11-03T02:00:00Z'), type: 'replied', actor: system, data: { text: '已核实' } },
      ]);
      const loaded = (await store.cases.get(record.id))!;
      await store.events.append([
        { caseId: record.id, at: at('2026-11-05T02:00:00Z'), type: 'sla_breached', actor: system, data: { clock: 'resolve' } },
        { caseId: record.id, at: at('2026-11-06T02:00:00Z'), type: 'status_changed', actor: system, data: { action: 'resolve' } },
        { caseId: record.id, at: at('2026-11-07T02:00:00Z'), type: 'rated', actor: system, data: { satisfied: false, score: 2 } },
        { caseId: record.id, at: at('2026-11-07T02:00:00Z'), type: 'status_changed', actor: system, data: { action: 'reopen' } },
      ]);
      // A save over what was read before the last events must not write the old facts back.
      expect(await store.cases.update({ ...loaded, status: 'reopened' })).toBe(true);
      await store.events.append([
        { caseId: record.id, at: at('2026-11-09T02:00:00Z'), type: 'status_changed', actor: system, data: { action: 'resolve' } },
        { caseId: record.id, at: at('2026-11-10T02:00:00Z'), type: 'rated', actor: system, data: { satisfied: true, score: 5 } },
        // Appended late but earlier in time: the first accept is the earliest, not the first written.
        { caseId: record.id, at: at('2026-11-01T09:00:00Z'), type: 'status_changed', actor: system, data: { action: 'reject' } },
      ]);
      expect(await factsOf(record.id)).toEqual({
        acknowledgedAt: '2026-11-01T09:00:00.000Z',
        resolvedAt: '2026-11-06T02:00:00.000Z',
        resolveBreachAt: '2026-11-05T02:00:00.000Z',
        ratings: 2,
        satisfiedRatings: 1,
        reopened: true,
      });
    });

    it('are recomputed from the timeline (migration 0005, bulk seeds) exactly as append keeps them', async () => {
      const timelines: Array<Array<[string, string, Record<string, unknown>]>> = [
        [],
        [['2026-11-02T02:00:00Z', 'status_changed', { action: 'reject' }]],
        [
          ['2026-11-02T02:00:00Z', 'status_changed', { action: 'accept' }],
          ['2026-11-02T03:00:00Z', 'status_changed', { action: 'startInvestigation' }],
          ['2026-11-04T02:00:00Z', 'sla_breached', { clock: 'resolve' }],
          ['2026-11-04T09:00:00Z', 'sla_breached', { clock: 'resolve' }],
          ['2026-11-05T02:00:00Z', 'status_changed', { action: 'resolve' }],
          ['2026-11-06T02:00:00Z', 'rated', { satisfied: false }],
          ['2026-11-06T02:00:00Z', 'status_changed', { action: 'reopen' }],
          ['2026-11-07T02:00:00Z', 'status_changed', { action: 'resolve' }],
          ['2026-11-08T02:00:00Z', 'rated', { satisfied: true }],
        ],
        [
          ['2026-11-02T02:00:00Z', 'sla_breached', { clock: 'acknowledge' }],
          ['2026-11-03T02:00:00Z', 'status_changed', { action: 'accept' }],
          ['2026-11-03T05:00:00Z', 'status_changed', { action: 'resolve' }],
          ['2026-11-04T02:00:00Z', 'rated', { satisfied: 'true' }],
        ],
      ];
      const ids: string[] = [];
      for (const timeline of timelines) {
        const record = buildCase();
        await store.cases.insert(record);
        for (const [when, type, data] of timeline) await store.events.append([{ caseId: record.id, at: at(when), type, actor: system, data }]);
        ids.push(record.id);
      }
      const kept = await Promise.all(ids.map(factsOf));
      const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
      await database.db.execute(
        sql`update cases set first_acknowledged_at = null, first_resolved_at = null, first_resolve_breach_at = null, ratings = 0, satisfied_ratings = 0, reopened = false where id in (${idList})`,
      );
      await database.db.execute(sql.raw(RECOMPUTE_REPORT_FACTS_SQL));
      expect(await Promise.all(ids.map(factsOf))).toEqual(kept);
      expect(kept[2]).toEqual({ acknowledgedAt: '2026-11-02T02:00:00.000Z', resolvedAt: '2026-11-05T02:00:00.000Z', resolveBreachAt: '2026-11-04T02:00:00.000Z', ratings: 2, satisfiedRatings: 1, reopened: true });
      // Only a true rating is a satisfied one.
      expect(kept[3]).toMatchObject({ ratings: 1, satisfiedRatings: 0 });
    });
  });

  it('records a chat identity once and refreshes its name and script', async () => {
    const first = await store.identities.upsert({ channel: 'telegram', externalId: '4242', kind: 'complainant', displayName: 'Li', locale: 'zh-Hant' });
    const again = await store.identities.upsert({ channel: 'telegram', externalId: '4242', kind: 'complainant' });
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ displayName: 'Li', locale: 'zh-Hant', unreachable: false });
    const renamed = await store.identities.upsert({ channel: 'telegram', externalId: '4242', kind: 'complainant', displayName: 'Li Wei' });
    expect(renamed.displayName).toBe('Li Wei');
    const other = await store.identities.upsert({ channel: 'wechat', externalId: '4242', kind: 'complainant' });
    expect(other.id).not.toBe(first.id);
  });

  it('lists department members with their open-case load', async () => {
    const busy = await store.staff.insert({ name: '王芳', departmentId: 'finance', role: 'agent', active: true });
    const free = await store.staff.insert({ name: '陈晨', departmentId: 'finance', role: 'agent', active: true });
    await store.staff.insert({ name: '刘洋', departmentId: 'quality', role: 'agent', active: true });
    await store.cases.insert(buildCase({ assigneeId: busy.id, status: 'investigating' }));
    await store.cases.insert(buildCase({ assigneeId: busy.id, status: 'accepted' }));
    await store.cases.insert(buildCase({ assigneeId: free.id, status: 'closed' }));
    const candidates = await store.staff.candidates('finance');
    expect(candidates.map((c) => [c.name, c.openCases]).sort()).toEqual([
      ['王芳', 2],
      ['陈晨', 0],
    ]);
  });

  it('finds earlier cases on the same matter within the window, ignoring withdrawn ones', async () => {
    const place = { category: 'facilities_equipment', locationKey: '3号楼2单元电梯' };
    const old = buildCase({ ...place, createdAt: new Date('2026-10-01T00:00:00Z') });
    const recent = buildCase({ ...place, createdAt: new Date('2026-11-17T00:00:00Z') });
    const withdrawn = buildCase({ ...place, status: 'withdrawn', createdAt: new Date('2026-11-17T00:00:00Z') });
    const elsewhere = buildCase({ ...place, locationKey: '5号楼', createdAt: new Date('2026-11-17T00:00:00Z') });
    for (const record of [old, recent, withdrawn, elsewhere]) await store.cases.insert(record);
    const found = await store.cases.onSameMatter({ ...place, since: new Date('2026-11-11T00:00:00Z') });
    expect(found.map((c) => c.id)).toEqual([recent.id]);
  });

  it('keeps department edits when config departments are ensured again', async () => {
    const manager = await store.staff.insert({ name: '赵经理', departmentId: 'safety', role: 'supervisor', active: true });
    await store.departments.setManager('safety', manager.id);
    await store.departments.ensure(defaultConfig().policy.departments);
    expect(await store.departments.get('safety')).toMatchObject({ managerStaffId: manager.id, active: true });
  });

  it('applies migrations only once when opened again', async () => {
    if (kind === 'postgres') {
      // A second process on the same server: migrations already applied, nothing changes.
      const url = (database.db as unknown as { $client: { options: { connectionString: string } } }).$client.options.connectionString;
      const second = await openDatabase({ dataDir: '', databaseUrl: url });
      await expect(second.ping()).resolves.toBeUndefined();
      await second.close();
    }
    expect(await store.cases.findByNumber('TS-202611-0042')).not.toBeNull();
  });
});
