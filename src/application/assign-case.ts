import type { Actor } from '../domain/case';
import { isTerminal } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import { departmentFor, pickAssignee } from '../domain/routing';
import { withDepartmentAnswerClock } from './case-clocks';
import { effectiveRoutingRules, type CaseServiceDeps } from './case-service';
import { assignmentPayload } from './assignment-card';
import { lockCase, saveCase } from './load-case';
import type { OutboxMessage, Repositories } from './ports';

export interface AssignCaseInput {
  caseId: string;
  /** A staff member; the least-loaded eligible member of a department; or `auto`: of the routed department. */
  to: { staffId: string } | { departmentId: string } | 'auto';
  actor: Actor;
  reason?: string;
}

export interface AssignedCase {
  caseId: string;
  number: string;
  staffId: string;
  departmentId: string;
  previousStaffId: string | null;
}

/** Assigns or reassigns a case; never to the person complained about (回避). */
export async function assignCase(deps: CaseServiceDeps, input: AssignCaseInput, now: Date): Promise<AssignedCase> {
  const result = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    if (isTerminal(record.status)) {
      throw new DomainError('CASE.FINISHED', `Case ${record.number} is ${record.status}; reopen it before assigning.`, { status: record.status });
    }
    const target =
      input.to === 'auto'
        ? await autoTarget(deps, repos, record)
        : 'departmentId' in input.to
          ? await autoTarget(deps, repos, { ...record, departmentId: input.to.departmentId })
          : await chosenTarget(repos, input.to.staffId, record.accusedStaffId);
    const previousStaffId = record.assigneeId;
    if (previousStaffId === target.staffId) {
      throw new DomainError('CASE.ALREADY_ASSIGNED', `Case ${record.number} is already assigned to that staff member.`);
    }
    const saved = await saveCase(repos, {
      ...record,
      assigneeId: target.staffId,
      departmentId: target.departmentId,
      sla: withDepartmentAnswerClock(deps, record, now),
      updatedAt: now,
    });

    await repos.events.append([
      {
        caseId: saved.id,
        at: now,
        type: previousStaffId ? 'reassigned' : 'assigned',
        actor: input.actor,
        data: { staffId: target.staffId, previousStaffId, departmentId: target.departmentId, reason: input.reason ?? null },
      },
    ]);
    const outbox: OutboxMessage[] = [
      { caseId: saved.id, recipient: { kind: 'staff', staffId: target.staffId }, kind: 'case_assigned', payload: assignmentPayload(saved) },
    ];
    if (previousStaffId) {
      outbox.push({ caseId: saved.id, recipient: { kind: 'staff', staffId: previousStaffId }, kind: 'case_reassigned_away', payload: { number: saved.number } });
    }
    await repos.outbox.add(outbox);
    return { caseId: saved.id, number: saved.number, staffId: target.staffId, departmentId: target.departmentId, previousStaffId };
  });

  const event: DomainEvent = { type: 'CaseAssigned', caseId: result.caseId, number: result.number, staffId: result.staffId, previousStaffId: result.previousStaffId, at: now };
  await deps.events.publish([event]);
  return result;
}

async function chosenTarget(repos: Repositories, staffId: string, accusedStaffId: string | null) {
  if (staffId === accusedStaffId) {
    throw new DomainError('CASE.RECUSAL', 'This staff member is the person complained about and may not handle the case (回避); choose someone else.', { staffId });
  }
  const member = await repos.staff.get(staffId);
  if (!member || !member.active) {
    throw new DomainError('STAFF.NOT_AVAILABLE', `Staff member ${staffId} does not exist or is inactive.`, { staffId });
  }
  if (!member.departmentId) {
    throw new DomainError('STAFF.NO_DEPARTMENT', `${member.name} belongs to no department; give them one before assigning cases.`, { staffId });
  }
  return { staffId: member.id, departmentId: member.departmentId };
}

async function autoTarget(deps: CaseServiceDeps, repos: Repositories, record: { category: string; departmentId: string | null; accusedStaffId: string | null; number: string }) {
  const departmentId = record.departmentId ?? departmentFor(record.category, await effectiveRoutingRules(deps, repos), deps.policy.routing.fallbackDepartment);
  const chosen = pickAssignee({
    departmentId,
    candidates: await repos.staff.candidates(departmentId),
    excludedStaffIds: record.accusedStaffId ? [record.accusedStaffId] : [],
  });
  if (!chosen) {
    throw new DomainError('CASE.NO_ELIGIBLE_STAFF', `Nobody in department ${departmentId} can take case ${record.number}; add an active staff member or assign by hand.`, {
      departmentId,
    });
  }
  return { staffId: chosen.id, departmentId };
}
