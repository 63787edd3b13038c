import type { Case } from '../domain/case';
import { isOverdue } from '../domain/sla';
import type { Staff } from './ports';

/**
 * Who may see and do what with a case. The person complained about never sees it (回避);
 * agents and department supervisors see their department; admins, auditors and supervisors
 * without a department see all. Personal data is masked unless the viewer asks to see it and
 * may: supervisors always, the assigned agent for the complaint they must answer, never for a
 * report (举报), whose reporter only the supervising role may know.
 */
export const CASE_COMMANDS = [
  'assign',
  'accept',
  'reject',
  'requestInformation',
  'reply',
  'resolve',
  'close',
  'reopen',
  'severity',
  'complexity',
  'extend',
  'note',
] as const;
export type CaseCommand = (typeof CASE_COMMANDS)[number];

/** What an agent may do on a case assigned to them; the rest is for supervisors. */
const AGENT_COMMANDS: ReadonlySet<CaseCommand> = new Set(['accept', 'reject', 'requestInformation', 'reply', 'resolve', 'complexity', 'note', 'assign']);

export interface CaseScope {
  /** Only cases of this department; null = every department. */
  departmentId: string | null;
  /** Never the cases about this member. */
  notAccused: string;
}

export function caseScope(staff: Staff): CaseScope {
  const departmentWide = staff.role === 'agent' || (staff.role === 'supervisor' && staff.departmentId !== null);
  return { departmentId: departmentWide ? (staff.departmentId ?? '') : null, notAccused: staff.id };
}

export function canView(staff: Staff, record: Pick<Case, 'departmentId' | 'accusedStaffId'>): boolean {
  if (!staff.active || record.accusedStaffId === staff.id) return false;
  const scope = caseScope(staff);
  return scope.departmentId === null || record.departmentId === scope.departmentId;
}

export function canDo(staff: Staff, record: Pick<Case, 'departmentId' | 'accusedStaffId' | 'assigneeId'>, command: CaseCommand): boolean {
  if (!canView(staff, record)) return false;
  switch (staff.role) {
    case 'auditor':
      return false;
    case 'admin':
    case 'supervisor':
      return true;
    case 'agent':
      // Notes help colleagues on any case of the department; the rest belongs to the assignee.
      return command === 'note' || (record.assigneeId === staff.id && AGENT_COMMANDS.has(command));
  }
}

/** Agents may hand a case to another department, not pick a colleague: that is the supervisor's call. */
export function canAssignTo(staff: Staff, target: { staffId: string } | { departmentId: string } | 'auto'): boolean {
  return staff.role !== 'agent' || (target !== 'auto' && 'departmentId' in target);
}

export function canReveal(staff: Staff, record: Pick<Case, 'type' | 'assigneeId' | 'departmentId' | 'accusedStaffId'>): boolean {
  if (!canView(staff, record)) return false;
  if (staff.role === 'supervisor') return true;
  return staff.role === 'agent' && record.type !== 'report' && record.assigneeId === staff.id;
}

export function maskName(name: string): string {
  const characters = [...name.trim()];
  if (characters.length <= 1) return '*';
  return characters[0] + '*'.repeat(Math.min(characters.length - 1, 4));
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export type ComplainantView =
  | { visibility: 'anonymous' }
  /** A report's reporter, for anyone but the supervising role. */
  | { visibility: 'hidden' }
  | { visibility: 'masked' | 'revealed'; name: string | null; phone: string | null; identityId: string | null };

export interface ClockView {
  deadline: string | null;
  paused: boolean;
  overdue: boolean;
}

export interface CaseView {
  id: string;
  number: string;
  type: Case['type'];
  category: string;
  status: Case['status'];
  severity: Case['severity'];
  severityReasons: Case['severityReasons'];
  escalationLevel: number;
  complex: boolean;
  channel: string;
  complainant: ComplainantView;
  description: string;
  descriptionScript: Case['descriptionScript'];
  incidentAt: string | null;
  incidentTimeText: string | null;
  location: string | null;
  involved: string | null;
  wants: Case['wants'];
  departmentId: string | null;
  assigneeId: string | null;
  linkedCaseId: string | null;
  deadlines: Partial<Record<keyof Case['sla'], ClockView>>;
  nextDeadline: string | null;
  overdue: boolean;
  createdAt: string;
  updatedAt: string;
}

function complainantView(record: Case, staff: Staff, reveal: boolean): ComplainantView {
  if (record.anonymous) return { visibility: 'anonymous' };
  const mayReveal = canReveal(staff, record);
  if (record.type === 'report' && !mayReveal) return { visibility: 'hidden' };
  if (reveal && mayReveal) {
    return { visibility: 'revealed', name: record.contactName, phone: record.contactPhone, identityId: record.complainantIdentityId };
  }
  return {
    visibility: 'masked',
    name: record.contactName ? maskName(record.contactName) : null,
    phone: record.contactPhone ? maskPhone(record.contactPhone) : null,
    identityId: null,
  };
}

/** The case as `staff` may see it; `reveal` is honoured only when they may (the caller logs it). */
export function caseView(record: Case, staff: Staff, options: { reveal: boolean; now: Date }): CaseView {
  const deadlines: CaseView['deadlines'] = {};
  let next: string | null = null;
  for (const [name, clock] of Object.entries(record.sla) as Array<[keyof Case['sla'], NonNullable<Case['sla'][keyof Case['sla']]>]>) {
    deadlines[name] = { deadline: clock.deadline, paused: clock.deadline === null, overdue: isOverdue(clock, options.now) };
    if (clock.deadline && (next === null || clock.deadline < next)) next = clock.deadline;
  }
  return {
    id: record.id,
    number: record.number,
    type: record.type,
    category: record.category,
    status: record.status,
    severity: record.severity,
    severityReasons: record.severityReasons,
    escalationLevel: record.escalationLevel,
    complex: record.complex,
    channel: record.channel,
    complainant: complainantView(record, staff, options.reveal),
    description: record.description,
    descriptionScript: record.descriptionScript,
    incidentAt: record.incidentAt?.toISOString() ?? null,
    incidentTimeText: record.incidentTimeText,
    location: record.location,
    involved: record.involved,
    wants: record.wants,
    departmentId: record.departmentId,
    assigneeId: record.assigneeId,
    linkedCaseId: record.linkedCaseId,
    deadlines,
    nextDeadline: next === null ? null : new Date(next).toISOString(),
    overdue: Object.values(deadlines).some((clock) => clock?.overdue),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
