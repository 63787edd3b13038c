import { timerPolicy } from '../../src/application/case-clocks';
import type { ConversationDeps } from '../../src/application/conversation-service';
import type { Staff, Store } from '../../src/application/ports';
import type { SlaTimerInput } from '../../src/application/sla-timers';
import type { SubmitCaseInput } from '../../src/application/submit-case';
import { conversationDeps } from '../../src/app';
import type { Case } from '../../src/domain/case';
import { slaTimers, type SlaTimer, type SlaTimerClock, type SlaTimerKind } from '../../src/domain/sla-timers';
import { outbox } from '../../src/persistence/schema';
import { createStore } from '../../src/persistence/store';
import { defaultConfig } from './app-config';
import { caseServiceFor } from './case-service';
import { openTestDatabase, type DatabaseKind, type TestDatabase } from './databases';
import { languageKit } from './dialog';
import { openTestRedis } from './redis';

/** Wednesday 2026-11-18 10:00 in Shanghai. */
export const NOW = new Date('2026-11-18T02:00:00Z');
export const shanghai = (local: string) => new Date(`${local}+08:00`);

export function complaint(overrides: Partial<SubmitCaseInput> = {}): SubmitCaseInput {
  return {
    type: 'complaint',
    category: 'service_attitude',
    channel: 'telegram',
    complainant: { channel: 'telegram', externalId: `user-${Math.random()}`, displayName: '李雷', locale: 'zh-Hans' },
    anonymous: false,
    contact: { name: '李雷', phone: '13800138000' },
    description: '营业厅工作人员态度恶劣，拒绝办理业务',
    descriptionScript: 'zh-Hans',
    location: null,
    wants: ['apology'],
    ...overrides,
  };
}

export interface HandlingFixture {
  database: TestDatabase;
  store: Store;
  deps: ConversationDeps;
  cases: ReturnType<typeof caseServiceFor>;
  /** customer_service (where service_attitude complaints go) has an agent, a supervisor and a manager; the leadership has no department. */
  staff: { agent: Staff; supervisor: Staff; manager: Staff; leader: Staff };
  outboxRows(): Promise<Array<typeof outbox.$inferSelect>>;
  timersOf(record: Case): SlaTimer[];
  /** The case's pending timer of that clock and kind, as the queue would carry it. */
  timer(record: Case, clock: SlaTimerClock, kind: SlaTimerKind): SlaTimerInput;
  destroy(): Promise<void>;
}

/** A fresh database with the configured departments and staff, and the real conversation service on Redis. */
export async function openHandlingFixture(kind: DatabaseKind): Promise<HandlingFixture> {
  const config = defaultConfig();
  const database = await openTestDatabase(kind);
  const store = createStore(database.db);
  await store.departments.ensure(config.policy.departments);
  const redis = await openTestRedis();
  const cases = caseServiceFor(store);
  const deps = conversationDeps({
    cases,
    redis: redis.client,
    language: await languageKit(),
    policy: config.policy,
    onError: (error) => {
      throw error;
    },
  });
  const staff = {
    agent: await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true }),
    supervisor: await store.staff.insert({ name: '赵敏', departmentId: 'customer_service', role: 'supervisor', active: true }),
    manager: await store.staff.insert({ name: '钱经理', departmentId: 'customer_service', role: 'admin', active: true }),
    leader: await store.staff.insert({ name: '孙总', departmentId: null, role: 'supervisor', active: true }),
  };
  await store.departments.setManager('customer_service', staff.manager.id);
  const timersOf = (record: Case) => slaTimers(record, config.calendar, timerPolicy(config.policy));
  return {
    database,
    store,
    deps,
    cases,
    staff,
    outboxRows: () => database.db.select().from(outbox).orderBy(outbox.id),
    timersOf,
    timer(record, clock, kind) {
      const found = timersOf(record).find((t) => t.clock === clock && t.kind === kind);
      if (!found) throw new Error(`case ${record.number} has no pending ${clock} ${kind} timer`);
      return { caseId: record.id, clock, kind, at: found.at.toISOString() };
    },
    destroy: async () => {
      await redis.destroy();
      await database.destroy();
    },
  };
}
