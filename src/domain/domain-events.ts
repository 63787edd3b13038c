import type { CaseStatus, CaseAction } from './case-lifecycle';
import type { Severity } from './severity';
import type { SlaTimerClock, SlaTimerKind } from './sla-timers';

/** What happened to a case, published after the change is committed; later features subscribe. */
export type DomainEvent =
  | { type: 'CaseSubmitted'; caseId: string; number: string; severity: Severity; departmentId: string; at: Date }
  | { type: 'CaseAssigned'; caseId: string; number: string; staffId: string; previousStaffId: string | null; at: Date }
  | { type: 'CaseStatusChanged'; caseId: string; number: string; from: CaseStatus; to: CaseStatus; action: CaseAction; at: Date }
  | { type: 'CaseEscalated'; caseId: string; number: string; level: number; reason: string; at: Date }
  | { type: 'CaseNoteAdded'; caseId: string; number: string; at: Date }
  /** A clock's limit changed without a status change (found complex, report extended): its timers move. */
  | { type: 'CaseDeadlinesChanged'; caseId: string; number: string; reason: 'complexity' | 'extension'; at: Date }
  | { type: 'CaseSlaTimerFired'; caseId: string; number: string; clock: SlaTimerClock; kind: SlaTimerKind; at: Date }
  | { type: 'CaseReplied'; caseId: string; number: string; staffId: string | null; at: Date }
  | { type: 'CaseSeverityChanged'; caseId: string; number: string; from: Severity; to: Severity; at: Date }
  | { type: 'CaseProgressReported'; caseId: string; number: string; at: Date };

export type DomainEventType = DomainEvent['type'];
