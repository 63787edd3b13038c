import type { Script } from '../domain/case';
import { isOpen } from '../domain/case-lifecycle';
import { DomainError } from '../domain/errors';
import type { Catalog } from '../conversation/catalog';
import { step } from '../conversation/engine';
import type { CaseSummary, Effect, EngineContext, EngineInput } from '../conversation/engine-io';
import type { InboundMessage, Locale, Reply } from '../conversation/messages';
import type { ConversationState } from '../conversation/state';
import type { Say, Text } from '../conversation/text';
import type { Case } from '../domain/case';
import type { CaseServiceDeps } from './case-service';
import { provideInformation, rateCase } from './complainant-actions';
import { submitCase } from './submit-case';

/** Conversation state per person, kept where every web process sees it. */
export interface ConversationStore {
  /**
   * Runs `work` on the person's conversation while no other message of theirs is handled, and
   * saves what it returns (null deletes). A double-tapped button cannot run two steps at once.
   */
  withConversation<T>(
    key: string,
    work: (state: ConversationState | null) => Promise<{ state: ConversationState | null; value: T }>,
    options?: TurnOptions,
  ): Promise<T>;
  /** Keys of conversations whose unfinished intake is due a reminder at `now`. */
  dueReminders(now: Date, limit: number): Promise<string[]>;
  /** Forgets a due reminder once handled (sent, or no longer needed). */
  reminderHandled(key: string): Promise<void>;
}

export interface TurnOptions {
  /**
   * The channel's id of the message (e.g. Telegram's update_id). A turn with an id runs once: what
   * it returns is saved with the state it leaves, and a redelivery of the same message gets that
   * back without stepping the dialog again. So a crash after the dialog moved on and before the
   * reply left costs a repeated reply, not the message applied twice.
   */
  turn?: string;
}

/** Script detection and simplification, done at the edge with OpenCC. */
export interface TextAnalysis {
  detect(text: string): Script | 'unknown';
  simplify(text: string): string;
}

/** Turns what the engine says into text in one script, and spells a text in every script. */
export interface ReplyRenderer {
  render(says: readonly Say[], locale: Locale): Reply[];
  spell(text: Text): readonly string[];
}

export interface ConversationDeps {
  cases: CaseServiceDeps;
  conversations: ConversationStore;
  analysis: TextAnalysis;
  renderer: ReplyRenderer;
  catalog: Catalog;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

/** Who is talking, on which channel. */
export interface Person {
  channel: string;
  externalId: string;
  displayName?: string | null;
  /** The channel's hint of the user's language (Telegram language_code), used before they write. */
  languageHint?: Locale;
}

export const conversationKey = (person: Person) => `${person.channel}:${person.externalId}`;

function personOf(key: string): Person {
  const separator = key.indexOf(':');
  return { channel: key.slice(0, separator), externalId: key.slice(separator + 1) };
}

/** One message from a person: the engine's step, its effects run, the replies in their script. */
export function handleMessage(deps: ConversationDeps, person: Person, message: InboundMessage, now: Date, options: TurnOptions = {}): Promise<Reply[]> {
  const text = message.kind === 'text' ? message.text : message.kind === 'image' ? (message.caption ?? '') : message.kind === 'location' ? (message.label ?? '') : '';
  const input: EngineInput = {
    kind: 'message',
    message,
    script: text ? deps.analysis.detect(text) : 'unknown',
    simplified: text ? deps.analysis.simplify(text) : '',
    ...(person.languageHint ? { languageHint: person.languageHint } : {}),
  };
  return converse(deps, person, input, now, options);
}

/** Something the system tells the conversation: a rating or information request, a reminder, an expiry. */
export function handleSystemInput(
  deps: ConversationDeps,
  person: Person,
  input: Extract<EngineInput, { kind: 'ratingRequested' | 'informationRequested' | 'reminderDue' }>,
  now: Date,
): Promise<Reply[]> {
  return converse(deps, person, input, now);
}

// An effect's answer may ask for more effects; a real dialog needs two. A loop is a bug, not a wait.
const MAX_EFFECTS = 16;

async function converse(deps: ConversationDeps, person: Person, first: EngineInput, now: Date, options: TurnOptions = {}): Promise<Reply[]> {
  return deps.conversations.withConversation(conversationKey(person), async (stored) => {
    const ctx: EngineContext = { now, catalog: deps.catalog, spell: deps.renderer.spell };
    let result = step(stored, stored ? first : await withRememberedLocale(deps, person, first), ctx);
    const says: Say[] = [...result.replies];
    const queue: Effect[] = [...result.effects];
    let state = result.state;
    for (let done = 0; queue.length > 0; done += 1) {
      if (done === MAX_EFFECTS) throw new Error(`conversation ${conversationKey(person)} asked for more than ${MAX_EFFECTS} effects in one turn`);
      const effect = queue.shift()!;
      const answer = await runEffect(deps, person, effect, now);
      if (!answer) continue;
      result = step(state, answer, ctx);
      state = result.state;
      says.push(...result.replies);
      queue.push(...result.effects);
    }
    return { state, value: deps.renderer.render(says, state.locale) };
  }, options);
}

async function runEffect(deps: ConversationDeps, person: Person, effect: Effect, now: Date): Promise<EngineInput | null> {
  const { cases } = deps;
  try {
    switch (effect.kind) {
      case 'submitCase': {
        const { draft } = effect;
        const submitted = await submitCase(
          cases,
          {
            type: draft.type,
            category: draft.category,
            channel: person.channel,
            complainant: { channel: person.channel, externalId: person.externalId, displayName: person.displayName ?? null, locale: effect.locale },
            anonymous: draft.contact.anonymous,
            contact: draft.contact.anonymous ? null : { name: draft.contact.name, phone: draft.contact.phone },
            description: draft.description,
            descriptionScript: draft.descriptionScript,
            incidentAt: draft.when.kind === 'known' ? draft.when.at : null,
            incidentTimeText: draft.whenText,
            location: draft.where,
            involved: draft.involved,
            wants: draft.wants,
            attachmentIds: draft.photos,
            submissionKey: `${conversationKey(person)}:${effect.draftKey}`,
            acknowledgedInChat: true,
          },
          now,
        );
        return { kind: 'caseSubmitted', number: submitted.number, acknowledgeBy: submitted.acknowledgeBy };
      }
      case 'lookupCase': {
        const identity = await identityOf(deps, person);
        const found = await cases.store.cases.findByNumber(effect.number);
        return found && found.complainantIdentityId === identity.id
          ? { kind: 'caseFound', summary: summaryOf(found) }
          : { kind: 'caseNotFound', number: effect.number };
      }
      case 'listCases': {
        const identity = await identityOf(deps, person);
        const own = await cases.store.cases.listByComplainant(identity.id, 10);
        return { kind: 'casesListed', cases: own.map(summaryOf) };
      }
      case 'rateCase': {
        const identity = await identityOf(deps, person);
        await rateCase(cases, { caseId: effect.caseId, identityId: identity.id, satisfied: effect.satisfied, score: effect.score, reason: effect.reason }, now);
        return null;
      }
      case 'answerInformationRequest': {
        const identity = await identityOf(deps, person);
        await provideInformation(cases, { caseId: effect.caseId, identityId: identity.id, text: effect.text, attachmentIds: effect.attachmentIds }, now);
        return null;
      }
      case 'rememberLocale':
        await cases.store.identities.upsert({ channel: person.channel, externalId: person.externalId, kind: 'complainant', locale: effect.locale });
        return null;
    }
  } catch (error) {
    deps.onError(error, { effect: effect.kind, channel: person.channel });
    if (effect.kind === 'submitCase') return { kind: 'submitFailed' };
    if (effect.kind === 'lookupCase') return { kind: 'caseNotFound', number: effect.number };
    if (error instanceof DomainError) return null;
    throw error;
  }
}

/** A conversation that expired still answers in the script the person last used, kept with their identity. */
async function withRememberedLocale(deps: ConversationDeps, person: Person, input: EngineInput): Promise<EngineInput> {
  if (input.kind !== 'message' || input.script !== 'unknown') return input;
  const remembered = (await deps.cases.store.identities.find(person.channel, person.externalId))?.locale;
  return remembered && remembered !== 'unknown' ? { ...input, languageHint: remembered } : input;
}

function identityOf(deps: ConversationDeps, person: Person) {
  return deps.cases.store.identities.upsert({ channel: person.channel, externalId: person.externalId, kind: 'complainant', displayName: person.displayName ?? null });
}

/** What the complainant sees of a case: no staff, no internal notes; the next deadline while open. */
function summaryOf(record: Case): CaseSummary {
  const running = Object.values(record.sla)
    .map((clock) => clock?.deadline)
    .filter((deadline): deadline is string => !!deadline)
    .sort();
  return {
    number: record.number,
    type: record.type,
    status: record.status,
    submittedAt: record.createdAt,
    nextDeadline: isOpen(record.status) && running[0] ? new Date(running[0]) : null,
  };
}

/**
 * One reminder for each intake left unfinished (config: conversation.reminderAfterHours). The
 * reminder is written to the outbox like any push, and the channel's worker delivers it.
 */
export async function sendDueReminders(deps: ConversationDeps, now: Date, limit = 100): Promise<number> {
  let sent = 0;
  for (const key of await deps.conversations.dueReminders(now, limit)) {
    const person = personOf(key);
    try {
      const replies = await converse(deps, person, { kind: 'reminderDue' }, now);
      if (replies.length > 0) {
        // find, not upsert: writing to someone is no sign they can be reached again.
        const identity = (await deps.cases.store.identities.find(person.channel, person.externalId)) ?? (await identityOf(deps, person));
        await deps.cases.store.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: identity.id }, kind: 'chat_replies', payload: { replies } }]);
        sent += 1;
      }
      await deps.conversations.reminderHandled(key);
    } catch (error) {
      deps.onError(error, { task: 'reminder', channel: person.channel });
    }
  }
  return sent;
}
