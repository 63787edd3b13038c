import { DomainError } from './errors';

export const CASE_STATUSES = [
  'registered',
  'accepted',
  'rejected',
  'investigating',
  'awaiting_complainant',
  'resolved',
  'reopened',
  'closed',
  'withdrawn',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_ACTIONS = [
  'accept',
  'reject',
  'startInvestigation',
  'requestInformation',
  'receiveInformation',
  'resolve',
  'close',
  'reopen',
  'withdraw',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export interface CaseTransition {
  readonly from: readonly CaseStatus[];
  readonly to: CaseStatus;
}

/** Statuses in which the organisation still owes the complainant work. */
export const OPEN_STATUSES: readonly CaseStatus[] = [
  'registered',
  'accepted',
  'investigating',
  'awaiting_complainant',
  'reopened',
];

export const TERMINAL_STATUSES: readonly CaseStatus[] = ['rejected', 'closed', 'withdrawn'];

export const CASE_TRANSITIONS: Readonly<Record<CaseAction, CaseTransition>> = {
  accept: { from: ['registered'], to: 'accepted' },
  reject: { from: ['registered'], to: 'rejected' },
  startInvestigation: { from: ['accepted', 'reopened'], to: 'investigating' },
  requestInformation: { from: ['investigating'], to: 'awaiting_complainant' },
  receiveInformation: { from: ['awaiting_complainant'], to: 'investigating' },
  resolve: { from: ['investigating'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  // The complainant rated the resolution as unsatisfactory.
  reopen: { from: ['resolved'], to: 'reopened' },
  withdraw: { from: OPEN_STATUSES, to: 'withdrawn' },
};

export function isOpen(status: CaseStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export function isTerminal(status: CaseStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isCaseStatus(value: string): value is CaseStatus {
  return (CASE_STATUSES as readonly string[]).includes(value);
}

export function isCaseAction(value: string): value is CaseAction {
  return (CASE_ACTIONS as readonly string[]).includes(value);
}

/** Actions legal from `status`, in the order of CASE_ACTIONS. */
export function allowedActions(status: CaseStatus): CaseAction[] {
  return CASE_ACTIONS.filter((action) => CASE_TRANSITIONS[action].from.includes(status));
}

export function transition(status: CaseStatus, action: CaseAction): CaseStatus {
  const move = CASE_TRANSITIONS[action];
  if (move.from.includes(status)) return move.to;

  const allowed = allowedActions(status);
  const next =
    allowed.length > 0
      ? `allowed: ${allowed.join(', ')}`
      : 'no further actions are possible because the case is finished';
  throw new DomainError(
    'CASE.ILLEGAL_TRANSITION',
    `Cannot ${action} a case that is ${status}; ${next}`,
    { from: status, action, allowed },
  );
}

export const ESCALATION_LEVELS = ['none', 'supervisor', 'department_manager', 'senior_management'] as const;
export type EscalationLevelName = (typeof ESCALATION_LEVELS)[number];
export const MAX_ESCALATION_LEVEL = ESCALATION_LEVELS.length - 1;

export function escalationLevelName(level: number): EscalationLevelName {
  const name = ESCALATION_LEVELS[level];
  if (name === undefined) {
    throw new DomainError(
      'CASE.INVALID_ESCALATION_LEVEL',
      `Escalation level ${level} does not exist; use an integer from 0 to ${MAX_ESCALATION_LEVEL}`,
      { level },
    );
  }
  return name;
}

/** Next escalation level; saturates at the top because there is nobody above senior management. */
export function escalate(level: number, status: CaseStatus): number {
  escalationLevelName(level);
  if (isTerminal(status)) {
    throw new DomainError(
      'CASE.NOT_ESCALATABLE',
      `Cannot escalate a case that is ${status} because it is finished; register a new case if the matter persists`,
      { level, status },
    );
  }
  return Math.min(level + 1, MAX_ESCALATION_LEVEL);
}
