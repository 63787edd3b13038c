import type { Actor, Case } from '../domain/case';
import { transition } from '../domain/case-lifecycle';
import { DomainError } from '../domain/errors';
import type { CaseServiceDeps } from './case-service';
import { changeStatus } from './change-status';
import type { ConversationDeps } from './conversation-service';
import { requiredText } from './required-text';
import { tellComplainant } from './tell-complainant';

export { replyToComplainant, type ReplyInput } from './reply-to-complainant';
export { changeSeverity, type ChangeSeverityInput } from './change-severity';
export { extendReportDeadline, markComplex, type ExtendReportDeadlineInput, type MarkComplexInput } from './case-deadlines';

/** Staff acting on a case, from chat (the staff desk) or from the admin API. */
export interface CaseHandlingInput {
  caseId: string;
  actor: Actor;
}

/** Accepting a case starts its investigation; the steps the lifecycle requires are taken in order. */
export async function acceptCase(deps: CaseServiceDeps, input: CaseHandlingInput, now: Date): Promise<Case> {
  const record = await findCase(deps, input.caseId);
  if (record.status === 'investigating') return record;
  if (!['registered', 'accepted', 'reopened'].includes(record.status)) transition(record.status, 'accept');
  return toInvestigation(deps, record, input.actor, now);
}

/** 不予受理: the complainant is told why. */
export async function rejectCase(deps: CaseServiceDeps, input: CaseHandlingInput & { reason: string }, now: Date): Promise<Case> {
  const reason = requiredText(input.reason, 'CASE.REASON_REQUIRED', 'Say why the case is not accepted; the complainant is told the reason.');
  return changeStatus(deps, { caseId: input.caseId, action: 'reject', actor: input.actor, reason }, now);
}

/** Asks the complainant for more; the resolution clock stops until they answer in their chat. */
export async function requestInformation(deps: ConversationDeps, input: CaseHandlingInput & { question: string }, now: Date): Promise<Case> {
  const question = requiredText(input.question, 'CASE.QUESTION_REQUIRED', 'Write the question to put to the complainant.');
  const investigating = await toInvestigation(deps.cases, await findCase(deps.cases, input.caseId), input.actor, now);
  const waiting = await changeStatus(deps.cases, { caseId: investigating.id, action: 'requestInformation', actor: input.actor, reason: question }, now);
  await tellComplainant(deps, deps.cases.store, waiting, { kind: 'informationRequested', caseId: waiting.id, number: waiting.number, question }, now);
  return waiting;
}

/** 办结: the complainant gets the result and is asked to rate it (the return visit starts). */
export async function resolveCase(deps: ConversationDeps, input: CaseHandlingInput & { result: string }, now: Date): Promise<Case> {
  const result = requiredText(input.result, 'CASE.RESULT_REQUIRED', 'Write the result of the case; it is sent to the complainant.');
  const investigating = await toInvestigation(deps.cases, await findCase(deps.cases, input.caseId), input.actor, now);
  const resolved = await changeStatus(deps.cases, { caseId: investigating.id, action: 'resolve', actor: input.actor, reason: result }, now);
  await tellComplainant(deps, deps.cases.store, resolved, { kind: 'ratingRequested', caseId: resolved.id, number: resolved.number }, now);
  return resolved;
}

/** Closes a resolved case without waiting for the rating (e.g. the complainant said so on the phone). */
export async function closeCase(deps: CaseServiceDeps, input: CaseHandlingInput & { reason?: string }, now: Date): Promise<Case> {
  const reason = input.reason?.trim();
  return changeStatus(deps, { caseId: input.caseId, action: 'close', actor: input.actor, ...(reason ? { reason } : {}) }, now);
}

/** Staff take a resolved case up again; the resolution limit starts afresh. */
export async function reopenCase(deps: CaseServiceDeps, input: CaseHandlingInput & { reason: string }, now: Date): Promise<Case> {
  const reason = requiredText(input.reason, 'CASE.REASON_REQUIRED', 'Say why the case is reopened; the complainant is told the reason.');
  return changeStatus(deps, { caseId: input.caseId, action: 'reopen', actor: input.actor, reason }, now);
}

async function findCase(deps: CaseServiceDeps, caseId: string): Promise<Case> {
  const record = await deps.store.cases.get(caseId);
  if (!record) throw new DomainError('CASE.NOT_FOUND', `No case with id ${caseId}; check the id or search by case number.`, { caseId });
  return record;
}

async function toInvestigation(deps: CaseServiceDeps, record: Case, actor: Actor, now: Date): Promise<Case> {
  let current = record;
  if (current.status === 'registered') current = await changeStatus(deps, { caseId: current.id, action: 'accept', actor }, now);
  if (current.status === 'accepted' || current.status === 'reopened') current = await changeStatus(deps, { caseId: current.id, action: 'startInvestigation', actor }, now);
  return current;
}
