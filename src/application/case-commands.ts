import type { Actor } from '../domain/case';
import { DomainError } from '../domain/errors';
import type { Severity } from '../domain/severity';
import { addNote } from './add-note';
import { assignCase, type AssignCaseInput } from './assign-case';
import { canAssignTo, canDo, caseView, type CaseCommand, type CaseView } from './case-access';
import {
  acceptCase,
  changeSeverity,
  closeCase,
  extendReportDeadline,
  markComplex,
  rejectCase,
  reopenCase,
  replyToComplainant,
  requestInformation,
  resolveCase,
} from './case-handling';
import { findVisibleCase } from './case-queries';
import type { ConversationDeps } from './conversation-service';
import type { Staff } from './ports';

/** What staff can do to a case from the admin API, one variant per command. */
export type CaseCommandInput =
  | { command: 'assign'; to: AssignCaseInput['to']; reason?: string }
  | { command: 'accept' }
  | { command: 'reject'; reason: string }
  | { command: 'requestInformation'; question: string }
  | { command: 'reply'; text: string }
  | { command: 'resolve'; result: string }
  | { command: 'close'; reason?: string }
  | { command: 'reopen'; reason: string }
  | { command: 'severity'; severity: Severity; reason: string }
  | { command: 'complexity'; complex: boolean }
  | { command: 'extend'; reason: string }
  | { command: 'note'; text: string };

/** Checks that `staff` may do it to this case (department, assignment, 回避), does it, and returns the case as they see it now. */
export async function runCaseCommand(deps: ConversationDeps, staff: Staff, idOrNumber: string, input: CaseCommandInput, now: Date): Promise<CaseView> {
  const { store } = deps.cases;
  const record = await findVisibleCase(store, staff, idOrNumber);
  const command: CaseCommand = input.command;
  if (!canDo(staff, record, command) || (input.command === 'assign' && !canAssignTo(staff, input.to))) {
    throw new DomainError('CASE.FORBIDDEN', forbiddenMessage(staff, command), { case: record.number, command });
  }
  const actor: Actor = { kind: 'staff', staffId: staff.id };
  const caseId = record.id;
  const cases = deps.cases;
  switch (input.command) {
    case 'assign':
      await assignCase(cases, { caseId, to: input.to, actor, ...(input.reason ? { reason: input.reason } : {}) }, now);
      break;
    case 'accept':
      await acceptCase(cases, { caseId, actor }, now);
      break;
    case 'reject':
      await rejectCase(cases, { caseId, actor, reason: input.reason }, now);
      break;
    case 'requestInformation':
      await requestInformation(deps, { caseId, actor, question: input.question }, now);
      break;
    case 'reply':
      await replyToComplainant(cases, { caseId, actor, text: input.text }, now);
      break;
    case 'resolve':
      await resolveCase(deps, { caseId, actor, result: input.result }, now);
      break;
    case 'close':
      await closeCase(cases, { caseId, actor, ...(input.reason ? { reason: input.reason } : {}) }, now);
      break;
    case 'reopen':
      await reopenCase(cases, { caseId, actor, reason: input.reason }, now);
      break;
    case 'severity':
      await changeSeverity(cases, { caseId, actor, severity: input.severity, reason: input.reason }, now);
      break;
    case 'complexity':
      await markComplex(cases, { caseId, actor, complex: input.complex }, now);
      break;
    case 'extend':
      await extendReportDeadline(cases, { caseId, actor, reason: input.reason }, now);
      break;
    case 'note':
      await addNote(cases, { caseId, actor, text: input.text }, now);
      break;
  }
  const updated = await store.cases.get(caseId);
  return caseView(updated!, staff, { reveal: false, now });
}

function forbiddenMessage(staff: Staff, command: CaseCommand): string {
  if (staff.role === 'auditor') return 'Auditors read cases; they do not act on them.';
  if (staff.role === 'agent' && command === 'assign') return 'Agents may pass a case to another department, not to a colleague; ask a supervisor.';
  if (staff.role === 'agent') return 'Only the assigned agent, or a supervisor, may do this; ask a supervisor to assign the case to you.';
  return 'Your role may not do this to this case.';
}
