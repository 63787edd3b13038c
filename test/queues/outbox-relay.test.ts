import { isNull } from 'drizzle-orm';
import { changeStatus } from '../../src/application/change-status';
import type { ChannelIdentity, Store } from '../../src/application/ports';
import { submitCase, type SubmitCaseInput } from '../../src/application/submit-case';
import { channelIdentities, outbox } from '../../src/persistence/schema';
import { createStore } from '../../src/persistence/store';
import { createNotificationQueues, type NotificationQueues } from '../../src/queues/notification-queues';
import { createNotificationWorker, type NotificationWorker } from '../../src/queues/notification-worker';
import { createOutboxRelay, type OutboxRelay } from '../../src/queues/outbox-relay';
import { reportUnreachable } from '../../src/queues/unreachable';
import { defaultConfig } from '../support/app-config';
import { caseServiceFor } from '../support/case-service';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases';
import { languageKit } from '../support/dialog';
import { eventually, FAST, openTestBull, RecordingSender, recordingLog, sleep } from './queue-support';

// Wednesday 2026-11-18 10:00 in Shanghai.
const NOW = new Date('2026-11-18T02:00:00Z');

function complaint(externalId: string, locale: 'zh-Hans' | 'zh-Hant' | 'en'): SubmitCaseInput {
  return {
    type: 'complaint',
    category: 'service_attitude',
    channel: 'telegram',
    complainant: { channel: 'telegram', externalId, displayName: '李雷', locale },
    anonymous: false,
    contact: { name: '李雷', phone: '13800138000' },
    description: '營業廳工作人員態度惡劣，拒絕辦理業務',
    descriptionScript: locale,
    location: null,
    wants: ['apology'],
  };
}

let bull: Awaited<ReturnType<typeof openTestBull>>;
let run = 0;

beforeAll(async () => {
  bull = await openTestBull();
});

afterAll(async () => {
  await bull.destroy();
});

describe.each(DATABASE_KINDS)('outbox relay on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let queues: NotificationQueues;
  let prefix: string;
  let telegram: RecordingSender;
  let wecom: RecordingSender;
  let workers: NotificationWorker[];
  let log: ReturnType<typeof recordingLog>;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    store = createStore(database.db);
    await store.departments.ensure(defaultConfig().policy.departments);
    prefix = `${bull.prefix}-${kind}-${run++}`;
    queues = createNotificationQueues(bull.connection, ['telegram', 'wecom'], { prefix, jobs: { backoffMs: 10 } });
    telegram = new RecordingSender('telegram');
    wecom = new RecordingSender('wecom');
    workers = [];
    log = recordingLog();
  });

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await queues.close();
    await database.destroy();
  });

  async function relayFor(relayStore: Pick<Store, 'transaction'> = store): Promise<OutboxRelay> {
    const language = await languageKit();
    return createOutboxRelay({ store: relayStore, renderer: language.renderer, defaultLocale: 'zh-Hans', queues: queues.byChannel, log });
  }

  function startWorkers() {
    for (const sender of [telegram, wecom]) {
      workers.push(createNotificationWorker({ connection: bull.connection, prefix, sender, limits: FAST, onUnreachable: reportUnreachable(store), log }));
    }
  }

  async function identity(values: Partial<typeof channelIdentities.$inferInsert> & { channel: string; externalId: string }): Promise<ChannelIdentity> {
    const [row] = await database.db
      .insert(channelIdentities)
      .values({ kind: 'complainant', ...values })
      .returning();
    return (await store.identities.get(row!.id))!;
  }

  const pendingRows = async () => (await database.db.select().from(outbox).where(isNull(outbox.dispatchedAt))).length;
  const jobCount = async (channel: string) => {
    const counts = await queues.byChannel.get(channel)!.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  it('delivers a committed status change exactly once, in the script the complainant writes (繁體)', async () => {
    const deps = caseServiceFor(store);
    const submitted = await submitCase(deps, complaint('tg-hant', 'zh-Hant'), NOW);
    await changeStatus(deps, { caseId: submitted.caseId, action: 'accept', actor: { kind: 'system' } }, NOW);
    const relay = await relayFor();
    startWorkers();

    expect(await relay.relayOnce()).toBe(2);
    // Two rows for one person in one batch travel as one job, in outbox order.
    await eventually('both messages sent', () => telegram.sent.length === 1);
    const [received, changed] = telegram.sentTo('tg-hant')[0]!.text.split('\n');
    expect(received).toContain(`案件編號 ${submitted.number}`);
    expect(received).toContain('已登記');
    expect(changed).toBe(`案件 ${submitted.number} 有新進展：已受理。`);
    expect(changed).not.toMatch(/进展|已登记/);

    // Nothing left to relay, and nothing is sent twice.
    expect(await relay.relayOnce()).toBe(0);
    expect(await pendingRows()).toBe(0);
    await sleep(300);
    expect(telegram.calls).toHaveLength(1);
  });

  it('uses the deployment default for a recipient whose script is unknown, and passes chat_replies through as written', async () => {
    const unknown = await identity({ channel: 'telegram', externalId: 'tg-unknown', locale: null });
    await store.outbox.add([
      { caseId: null, recipient: { kind: 'identity', identityId: unknown.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0007' } },
      { caseId: null, recipient: { kind: 'identity', identityId: unknown.id }, kind: 'chat_replies', payload: { replies: [{ kind: 'text', text: 'as rendered at the time' }] } },
    ]);
    const relay = await relayFor();
    startWorkers();
    expect(await relay.relayOnce()).toBe(2);
    await eventually('both sent', () => telegram.sent.length === 1);
    expect(telegram.sent[0]!.text.split('\n')).toEqual(['新案件 TS-202611-0007 已分派给您，请及时处理。', 'as rendered at the time']);
  });

  it('sends a staff notification to every account bound to that staff member, each in its own script', async () => {
    const member = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
    await identity({ channel: 'telegram', externalId: 'tg-staff', kind: 'staff', staffId: member.id, locale: 'en' });
    await identity({ channel: 'wecom', externalId: 'wecom-staff', kind: 'staff', staffId: member.id, locale: 'zh-Hant' });
    await identity({ channel: 'console', externalId: 'console-staff', kind: 'staff', staffId: member.id });
    await store.outbox.add([{ caseId: null, recipient: { kind: 'staff', staffId: member.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0042' } }]);
    const relay = await relayFor();
    startWorkers();

    expect(await relay.relayOnce()).toBe(1);
    await eventually('sent on both channels', () => telegram.sent.length === 1 && wecom.sent.length === 1);
    expect(telegram.sentTo('tg-staff').map((call) => call.text)).toEqual(['New case TS-202611-0042 has been assigned to you.']);
    expect(wecom.sentTo('wecom-staff').map((call) => call.text)).toEqual(['新案件 TS-202611-0042 已分派給您，請及時處理。']);
    // The console has no sender: skipped and said so, not retried.
    expect(log.lines.some((line) => line.message.includes('no sender') && line.fields.channel === 'console')).toBe(true);
    expect(await pendingRows()).toBe(0);
  });

  it('marks rows nobody can receive as dispatched and logs them, instead of retrying them forever', async () => {
    const nobody = await store.staff.insert({ name: '赵六', departmentId: 'customer_service', role: 'agent', active: true });
    const consoleUser = await identity({ channel: 'console', externalId: 'console-user' });
    const blocked = await identity({ channel: 'telegram', externalId: 'tg-blocked' });
    await store.identities.markUnreachable(blocked.id);
    await store.outbox.add([
      { caseId: null, recipient: { kind: 'staff', staffId: nobody.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0001' } },
      { caseId: null, recipient: { kind: 'identity', identityId: consoleUser.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0002' } },
      { caseId: null, recipient: { kind: 'identity', identityId: blocked.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0003' } },
      { caseId: null, recipient: { kind: 'identity', identityId: blocked.id }, kind: 'no_such_kind', payload: {} },
    ]);
    const relay = await relayFor();

    expect(await relay.relayOnce()).toBe(4);
    expect(await pendingRows()).toBe(0);
    expect(await jobCount('telegram')).toBe(0);
    expect(await jobCount('wecom')).toBe(0);
    const messages = log.lines.map((line) => line.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'recipient has no channel account; not sent',
        'no sender on this channel; not sent',
        'recipient is unreachable; not sent',
      ]),
    );
    expect(await relay.relayOnce()).toBe(0);
  });

  it('never lets two relays running side by side take the same row', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => identity({ channel: 'telegram', externalId: `tg-${i}`, locale: 'zh-Hans' })));
    await store.outbox.add(
      Array.from({ length: 200 }, (_, i) => ({
        caseId: null,
        recipient: { kind: 'identity' as const, identityId: people[i % people.length]!.id },
        kind: 'chat_replies',
        payload: { replies: [{ kind: 'text', text: `message ${i}` }] },
      })),
    );
    const [first, second] = [await relayFor(), await relayFor()];
    const drain = async (relay: OutboxRelay) => {
      let taken = 0;
      for (let n = await relay.relayOnce(7); n > 0; n = await relay.relayOnce(7)) taken += n;
      return taken;
    };
    const taken = await Promise.all([drain(first), drain(second)]);
    // Had both taken a row, the counts would add up to more than there are rows.
    expect(taken[0]! + taken[1]!).toBe(200);
    expect(await pendingRows()).toBe(0);
    expect(await jobCount('telegram')).toBe(200);

    startWorkers();
    await eventually('all sent', () => telegram.sent.length === 200);
    await sleep(200);
    const texts = telegram.calls.map((call) => call.text);
    expect(new Set(texts).size).toBe(200);
    expect(texts).toHaveLength(200);
  });

  it('after a relay crashes between adding the jobs and committing, the next run adds nothing new and each message goes out once', async () => {
    const people = await Promise.all(['a', 'b', 'c'].map((name) => identity({ channel: 'telegram', externalId: `tg-crash-${name}`, locale: 'zh-Hans' })));
    await store.outbox.add(people.map((person) => ({ caseId: null, recipient: { kind: 'identity' as const, identityId: person.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0100' } })));
    const crashing: Pick<Store, 'transaction'> = {
      transaction: (work) =>
        store.transaction(async (repos) => {
          await work(repos);
          throw new Error('power cut before commit');
        }),
    };

    await expect((await relayFor(crashing)).relayOnce()).rejects.toThrow('power cut before commit');
    expect(await pendingRows()).toBe(3);
    expect(await jobCount('telegram')).toBe(3);

    const relay = await relayFor();
    expect(await relay.relayOnce()).toBe(3);
    expect(await pendingRows()).toBe(0);
    expect(await jobCount('telegram')).toBe(3);

    startWorkers();
    await eventually('three sent', () => telegram.sent.length === 3);
    await sleep(300);
    expect(telegram.calls.map((call) => call.externalId).sort()).toEqual(['tg-crash-a', 'tg-crash-b', 'tg-crash-c']);
  });

  it('relays on its own once started, and stops cleanly', async () => {
    const person = await identity({ channel: 'telegram', externalId: 'tg-timer', locale: 'en' });
    const relay = await relayFor();
    startWorkers();
    relay.start(50, 10);
    await store.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: person.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0200' } }]);
    await eventually('sent', () => telegram.sent.length === 1);
    await relay.stop();
    await store.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: person.id }, kind: 'case_assigned', payload: { number: 'TS-202611-0201' } }]);
    await sleep(200);
    expect(await pendingRows()).toBe(1);
  });
});
