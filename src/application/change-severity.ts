import type { Actor, Case } from '../domain/case';
import { isTerminal } from '../domain/case-lifecycle';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import type { Severity } from '../domain/severity';
import { departmentManager, distinct, leadership } from './case-recipients';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';
import type { NewCaseEvent } from './ports';
import { requiredText } from './required-text';

export interface ChangeSeverityInput {
  caseId: string;
  actor: Actor;
  severity: Severity;
  /** Kept on the timeline. */
  reason: string;
}

// Escalation level of a major case: the department manager (policy §5).
const MAJOR_CASE_LEVEL = 2;

/**
 * Staff decide the severity; their decision stands (a later collective complaint no longer
 * changes it). A case made major goes to the department manager and the leadership at once.
 */
export async function changeSeverity(deps: CaseServiceDeps, input: ChangeSeverityInput, now: Date): Promise<Case> {
  const reason = requiredText(input.reason, 'CASE.REASON_REQUIRED', 'Say why the severity changes; the reason is kept on the timeline.');
  const { saved, events } = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    if (isTerminal(record.status)) {
      throw new DomainError('CASE.FINISHED', `Case ${record.number} is ${record.status}; its severity can no longer change.`, { status: record.status });
    }
    const becomesMajor = input.severity === 'major' && record.severity !== 'major';
    const level = becomesMajor ? Math.max(record.escalationLevel, MAJOR_CASE_LEVEL) : record.escalationLevel;
    const saved = await saveCase(repos, { ...record, severity: input.severity, severitySetByStaff: true, escalationLevel: level, updatedAt: now });

    const timeline: NewCaseEvent[] = [{ caseId: saved.id, at: now, type: 'severity_changed', actor: input.actor, data: { from: record.severity, to: input.severity, reason } }];
    const events: DomainEvent[] = [{ type: 'CaseSeverityChanged', caseId: saved.id, number: saved.number, from: record.severity, to: input.severity, at: now }];
    if (level > record.escalationLevel) {
      timeline.push({ caseId: saved.id, at: now, type: 'escalated', actor: input.actor, data: { level, reasons: ['major'] } });
      events.push({ type: 'CaseEscalated', caseId: saved.id, number: saved.number, level, reason: 'major', at: now });
    }
    await repos.events.append(timeline);
    if (becomesMajor) {
      const recipients = distinct([...(await departmentManager(repos, saved.departmentId)), ...(await leadership(repos))]);
      await repos.outbox.add(recipients.map((staffId) => ({ caseId: saved.id, recipient: { kind: 'staff' as const, staffId }, kind: 'major_case', payload: { number: saved.number } })));
    }
    return { saved, events };
  });
  await deps.events.publish(events);
  return saved;
}
