import type { Store } from '../../src/application/ports';
import { pauseClock, startClock } from '../../src/domain/sla';
import { createStore } from '../../src/persistence/store';
import { defaultConfig } from '../support/app-config';
import { buildCase } from '../support/case-builder';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases';

const NOW = new Date('2026-11-18T02:00:00Z');
const { calendar, policy } = defaultConfig();

describe.each(DATABASE_KINDS)('case listings for timers and progress on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    store = createStore(database.db);
    await store.departments.ensure(policy.departments);
  });

  afterEach(() => database.destroy());

  const running = () => ({ resolve: startClock(calendar, policy.sla.resolveGeneral, NOW) });
  const paused = () => ({ resolve: pauseClock(calendar, startClock(calendar, policy.sla.resolveGeneral, NOW), NOW) });

  /** Every page of a keyset-paged listing, concatenated. */
  async function allPages(list: (limit: number, afterId?: string) => Promise<Array<{ id: string }>>, limit: number): Promise<string[]> {
    const ids: string[] = [];
    for (let page = await list(limit); page.length > 0; page = await list(limit, page.at(-1)!.id)) ids.push(...page.map((c) => c.id));
    return ids;
  }

  it('pages through the open complex cases only', async () => {
    const wanted = [
      buildCase({ complex: true, status: 'investigating' }),
      buildCase({ complex: true, status: 'awaiting_complainant' }),
      buildCase({ complex: true, status: 'registered' }),
    ];
    const others = [buildCase({ complex: true, status: 'resolved' }), buildCase({ complex: true, status: 'closed' }), buildCase({ complex: false, status: 'investigating' })];
    for (const record of [...wanted, ...others]) await store.cases.insert(record);
    expect(await allPages((limit, after) => store.cases.listOpenComplex(limit, after), 2)).toEqual(wanted.map((c) => c.id).sort());
  });

  it('pages through the cases with a running clock, whatever their status', async () => {
    const wanted = [buildCase({ sla: running() }), buildCase({ status: 'resolved', sla: { returnVisit: startClock(calendar, policy.sla.returnVisit, NOW) } }), buildCase({ sla: running() })];
    const others = [buildCase({ sla: paused() }), buildCase({ sla: {} })];
    for (const record of [...wanted, ...others]) await store.cases.insert(record);
    expect(await allPages((limit, after) => store.cases.listWithRunningClocks(limit, after), 2)).toEqual(wanted.map((c) => c.id).sort());
  });
});
