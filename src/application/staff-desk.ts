import { canDo } from './case-access';
import type { Actor, Case } from '../domain/case';
import { DomainError } from '../domain/errors';
import type { InboundMessage, Locale, Reply } from '../conversation/messages';
import { STAFF_ACTIONS, type StaffAction } from '../conversation/notification-says';
import { literal, raw, say, t, type Say } from '../conversation/text';
import { assignCase } from './assign-case';
import { acceptCase, requestInformation, resolveCase } from './case-handling';
import { conversationKey, type ConversationDeps, type Person } from './conversation-service';
import type { Staff } from './ports';

/** One-time codes that link a chat account to a staff member (`/bind CODE`). */
export interface BindingCodes {
  issue(staffId: string, ttlSeconds: number): Promise<string>;
  /** The staff member the code was issued for, once; null for a wrong, used or expired code. */
  redeem(code: string): Promise<string | null>;
}

/** The question a staff member's next message answers. */
export type StaffPending = { kind: 'question' | 'resolution' | 'transfer'; caseId: string };

export interface StaffPendingStore {
  get(account: string): Promise<StaffPending | null>;
  set(account: string, pending: StaffPending, ttlSeconds: number): Promise<void>;
  clear(account: string): Promise<void>;
}

export interface StaffDeskDeps {
  conversations: ConversationDeps;
  codes: BindingCodes;
  pending: StaffPendingStore;
}

const CODE_TTL_SECONDS = 24 * 3600;
// A staff member who pressed "resolve" and went to lunch can still type the result afterwards.
const PENDING_TTL_SECONDS = 4 * 3600;

/** Issues a one-time binding code for an active staff member (the admin API hands it out). */
export async function issueBindingCode(deps: StaffDeskDeps, staffId: string): Promise<string> {
  const member = await deps.conversations.cases.store.staff.get(staffId);
  if (!member?.active) throw new DomainError('STAFF.NOT_AVAILABLE', `Staff member ${staffId} does not exist or is inactive.`, { staffId });
  return deps.codes.issue(staffId, CODE_TTL_SECONDS);
}

/** `/bind CODE` from a chat account: links it to the staff member the code was issued for. */
export async function bindStaffAccount(deps: StaffDeskDeps, person: Person, code: string, locale: Locale): Promise<Reply[]> {
  const { store } = deps.conversations.cases;
  const staffId = code.trim() ? await deps.codes.redeem(code) : null;
  const member = staffId ? await store.staff.get(staffId) : null;
  if (!member?.active) return render(deps, [say(t('staff.bindFailed'))], locale);
  await store.identities.bindStaff({ channel: person.channel, externalId: person.externalId, displayName: person.displayName ?? null }, member.id);
  return render(deps, [say(t('staff.bound', { name: raw(member.name) }))], locale);
}

/**
 * A message from a bound staff account: the buttons of an assignment card (accept, need info,
 * resolve, transfer) and the texts they ask for. Every action goes through the case use cases,
 * so it lands on the timeline and the complainant hears of it in their own chat and script.
 */
export async function handleStaffMessage(deps: StaffDeskDeps, staff: Staff, person: Person, message: InboundMessage, locale: Locale, now: Date): Promise<Reply[]> {
  const account = conversationKey(person);
  try {
    return render(deps, await act(deps, staff, account, message, now), locale);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await deps.pending.clear(account);
    const reason = error.code === 'CASE.NOT_FOUND' ? t('staff.notYours') : raw(error.message);
    return render(deps, [say(t('staff.actionFailed', { reason }))], locale);
  }
}

async function act(deps: StaffDeskDeps, staff: Staff, account: string, message: InboundMessage, now: Date): Promise<Say[]> {
  const cases = deps.conversations.cases;
  const actor: Actor = { kind: 'staff', staffId: staff.id };
  if (message.kind === 'choice') {
    const action = /^staff:(\w+):([0-9a-f-]{36})$/.exec(message.choiceId);
    if (action && (STAFF_ACTIONS as readonly string[]).includes(action[1]!)) {
      return startAction(deps, staff, account, action[1] as StaffAction, action[2]!, now);
    }
    const department = /^dept:([a-z][a-z0-9_]*)$/.exec(message.choiceId);
    const pending = await deps.pending.get(account);
    if (department && pending?.kind === 'transfer') {
      await deps.pending.clear(account);
      const moved = await assignCase(cases, { caseId: pending.caseId, to: { departmentId: department[1]! }, actor }, now);
      return [say(t('staff.transferred', { number: raw(moved.number) }))];
    }
    return [say(t('staff.idle'))];
  }
  const text = message.kind === 'text' ? message.text.trim() : '';
  const pending = await deps.pending.get(account);
  if (!pending || !text || pending.kind === 'transfer') return [say(t('staff.idle'))];
  await deps.pending.clear(account);
  const record = await ownCase(deps, staff, pending.caseId);
  if (pending.kind === 'question') {
    await requestInformation(deps.conversations, { caseId: record.id, actor, question: text }, now);
    return [say(t('staff.questionSent', { number: raw(record.number) }))];
  }
  await resolveCase(deps.conversations, { caseId: record.id, actor, result: text }, now);
  return [say(t('staff.resolved', { number: raw(record.number) }))];
}

async function startAction(deps: StaffDeskDeps, staff: Staff, account: string, action: StaffAction, caseId: string, now: Date): Promise<Say[]> {
  const record = await ownCase(deps, staff, caseId);
  const number = raw(record.number);
  switch (action) {
    case 'accept':
      await acceptCase(deps.conversations.cases, { caseId, actor: { kind: 'staff', staffId: staff.id } }, now);
      return [say(t('staff.accepted', { number }))];
    case 'needInfo':
      await deps.pending.set(account, { kind: 'question', caseId }, PENDING_TTL_SECONDS);
      return [say(t('staff.askQuestion'))];
    case 'resolve':
      await deps.pending.set(account, { kind: 'resolution', caseId }, PENDING_TTL_SECONDS);
      return [say(t('staff.askResolution', { number }))];
    case 'transfer':
      await deps.pending.set(account, { kind: 'transfer', caseId }, PENDING_TTL_SECONDS);
      return [
        {
          kind: 'choices',
          text: t('staff.askDepartment', { number }),
          choices: deps.conversations.catalog.departments
            .filter((d) => d.id !== record.departmentId)
            .map((d) => ({ id: `dept:${d.id}`, label: literal(d.name) })),
        },
      ];
  }
}

/** The same rule as the admin API (case-access.ts): the assignee, or a supervisor or admin who may see the case. */
async function ownCase(deps: StaffDeskDeps, staff: Staff, caseId: string): Promise<Case> {
  const record = await deps.conversations.cases.store.cases.get(caseId);
  if (!record || !canDo(staff, record, 'resolve')) throw new DomainError('CASE.NOT_FOUND', 'This case is not assigned to you.', { caseId });
  return record;
}

function render(deps: StaffDeskDeps, says: Say[], locale: Locale): Reply[] {
  return deps.conversations.renderer.render(says, locale);
}
