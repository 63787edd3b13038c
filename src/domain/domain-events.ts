import type { CaseStatus, CaseAction } from './case-lifecycle';
import type { Severity } from './severity';

/** What happened to a case, published after the change is committed; later features subscribe. */
export type DomainEvent =
  | { type: 'CaseSubmitted'; caseId: string; number: string; severity: Severity; departmentId: string; at: Date }
  | { type: 'CaseAssigned'; caseId: string; number: string; staffId: string; previousStaffId: string | null; at: Date }
  | { type: 'CaseStatusChanged'; caseId: string; number: string; from: CaseStatus; to: CaseStatus; action: CaseAction; at: Date }
  | { type: 'CaseEscalated'; caseId: string; number: string; level: number; reason: string; at: Date }
  | { type: 'CaseNoteAdded'; caseId: string; number: string; at: Date };

export type DomainEventType = DomainEvent['type'];
