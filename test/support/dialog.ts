import type { Redis } from 'ioredis';
import { handleMessage, handleSystemInput, type ConversationDeps, type Person } from '../../src/application/conversation-service';
import type { Store } from '../../src/application/ports';
import { consoleTurn } from '../../src/channels/console/console.routes';
import { parseConsoleLine } from '../../src/channels/console/inbound';
import { renderForTerminal } from '../../src/channels/console/render';
import type { InboundMessage, Reply } from '../../src/conversation/messages';
import { createLanguageKit, type LanguageKit } from '../../src/i18n/language-kit';
import { conversationDeps } from '../../src/app';
import { createStore } from '../../src/persistence/store';
import { defaultConfig } from './app-config';
import { caseServiceFor } from './case-service';
import { openTestDatabase, type TestDatabase } from './databases';
import { openTestRedis } from './redis';

let kit: Promise<LanguageKit> | undefined;

/** Built once per test file: OpenCC converters take a while. */
export function languageKit(): Promise<LanguageKit> {
  kit ??= createLanguageKit(defaultConfig().policy);
  return kit;
}

/** The real conversation service on a test database and Redis, with a clock the test moves. */
export async function dialogHarness(store: Store, redis: Redis, start = new Date('2026-11-23T02:30:00Z')) {
  const language = await languageKit();
  const config = defaultConfig();
  const errors: unknown[] = [];
  const deps: ConversationDeps = conversationDeps({
    cases: caseServiceFor(store),
    redis,
    language,
    policy: config.policy,
    onError: (error) => errors.push(error),
  });
  let now = start;
  const transcript: Array<{ user: string; said: string; replies: Reply[] }> = [];

  function person(externalId: string, channel = 'console') {
    const who: Person = { channel, externalId, displayName: externalId };
    const record = (said: string, replies: Reply[]) => {
      transcript.push({ user: externalId, said, replies });
      return replies;
    };
    return {
      who,
      /** Types a line as in the terminal chat (text, /commands, /photo, /location). */
      say: async (line: string) => {
        if (channel === 'console') return record(line, await consoleTurn(deps, store.attachments, externalId, line, now));
        const message = parseConsoleLine(line);
        if (!message) return record(line, []);
        if (message.kind !== 'photo') return record(line, await handleMessage(deps, who, message, now));
        const photo = await store.attachments.add({ channel, externalRef: message.path, identityId: null, contentType: null, sizeBytes: null, storagePath: null });
        return record(line, await handleMessage(deps, who, { kind: 'image', attachmentId: photo.id }, now));
      },
      send: async (message: InboundMessage) => record(JSON.stringify(message), await handleMessage(deps, who, message, now)),
      press: async (choiceId: string) => record(`[${choiceId}]`, await handleMessage(deps, who, { kind: 'choice', choiceId }, now)),
      system: async (input: Parameters<typeof handleSystemInput>[2]) => record(`<${input.kind}>`, await handleSystemInput(deps, who, input, now)),
    };
  }

  return {
    deps,
    errors,
    transcript,
    person,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    now: () => now,
  };
}

/** Everything a reply shows, as one string, for `toContain` assertions. */
export function textOf(replies: readonly Reply[]): string {
  return replies.flatMap(renderForTerminal).join('\n');
}

/** The id of the choice whose label is `label`, from the last question in the replies. */
export function choiceId(replies: readonly Reply[], label: string): string {
  for (const reply of [...replies].reverse()) {
    if (reply.kind !== 'choices') continue;
    const found = reply.choices.find((c) => c.label === label);
    if (found) return found.id;
  }
  throw new Error(`no choice labelled "${label}" in:\n${textOf(replies)}`);
}

export interface DialogStores {
  database: TestDatabase;
  store: Store;
  redis: Redis;
  destroy(): Promise<void>;
}

/** A fresh PGlite database with the configured departments, and a prefixed Redis: what a dialog test runs on. */
export async function openDialogStores(): Promise<DialogStores> {
  const database = await openTestDatabase('pglite');
  const store = createStore(database.db);
  await store.departments.ensure(defaultConfig().policy.departments);
  const redis = await openTestRedis();
  return {
    database,
    store,
    redis: redis.client,
    destroy: async () => {
      await redis.destroy();
      await database.destroy();
    },
  };
}
