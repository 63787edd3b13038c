import type { CaseStatus } from './case-lifecycle';
import type { Severity, SeverityReason } from './severity';
import type { SlaClock } from './sla';

export const CASE_TYPES = ['complaint', 'suggestion', 'report'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

/** What the complainant asks for (诉求). */
export const WANTS = ['refund', 'replacement', 'repair', 'apology', 'compensation', 'improvement', 'other'] as const;
export type Want = (typeof WANTS)[number];

export type Script = 'zh-Hans' | 'zh-Hant' | 'en' | 'unknown';

/** The policy clocks a case can run; see `sla` in config/policy.yaml. */
export type SlaName = 'acknowledge' | 'firstContact' | 'departmentAnswer' | 'resolve' | 'returnVisit';

export interface Case {
  id: string;
  number: string;
  type: CaseType;
  category: string;
  status: CaseStatus;
  severity: Severity;
  severityReasons: SeverityReason[];
  severitySetByStaff: boolean;
  escalationLevel: number;
  channel: string;
  complainantIdentityId: string | null;
  anonymous: boolean;
  contactName: string | null;
  contactPhone: string | null;
  /** As the complainant wrote it; `descriptionSimplified` is for search and duplicate detection. */
  description: string;
  descriptionScript: Script;
  descriptionSimplified: string;
  incidentAt: Date | null;
  incidentTimeText: string | null;
  location: string | null;
  /** Simplified, lower-cased, without spaces or punctuation: "the same place" for collective complaints. */
  locationKey: string | null;
  involved: string | null;
  accusedStaffId: string | null;
  wants: Want[];
  departmentId: string | null;
  assigneeId: string | null;
  /** An earlier case of the same complainant on the same matter (a repeat complaint). */
  linkedCaseId: string | null;
  /** Identifies the intake that filed it, so a retried submission cannot file it twice. */
  submissionKey: string | null;
  /** Marked complex by staff: the longer resolution limit, and a progress message every working day. */
  complex: boolean;
  sla: Partial<Record<SlaName, SlaClock>>;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** Who did something on the timeline. */
export type Actor =
  | { kind: 'system' }
  | { kind: 'complainant'; identityId: string | null }
  | { kind: 'staff'; staffId: string };
