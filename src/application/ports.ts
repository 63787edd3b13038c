import type { Actor, Case, Script } from '../domain/case';
import type { CaseStatus } from '../domain/case-lifecycle';
import type { StaffCandidate } from '../domain/routing';

export type StaffRole = 'admin' | 'supervisor' | 'agent' | 'auditor';

export const STAFF_ROLES = ['admin', 'supervisor', 'agent', 'auditor'] as const satisfies readonly StaffRole[];

export interface Staff {
  id: string;
  name: string;
  departmentId: string | null;
  role: StaffRole;
  active: boolean;
  /** Sign-in name for the admin API; null for staff who only work from chat. */
  username: string | null;
}

/** What signing in checks; never leaves the application layer. */
export interface StaffCredentials {
  staff: Staff;
  passwordHash: string | null;
  /** Tokens issued in an earlier generation are refused. */
  sessionGeneration: number;
}

export type StaffChanges = Partial<Pick<Staff, 'name' | 'departmentId' | 'role' | 'active' | 'username'>>;

export interface Department {
  id: string;
  name: Record<string, string>;
  managerStaffId: string | null;
  active: boolean;
}

export interface ChannelIdentity {
  id: string;
  channel: string;
  externalId: string;
  kind: 'complainant' | 'staff';
  staffId: string | null;
  displayName: string | null;
  locale: Script | null;
  unreachable: boolean;
}

export interface CaseEvent {
  id: number;
  caseId: string;
  at: Date;
  type: string;
  actor: Actor;
  data: Record<string, unknown>;
}

export type NewCaseEvent = Omit<CaseEvent, 'id'>;

/** A message to send once the transaction commits; the outbox relay delivers it. */
export interface OutboxMessage {
  caseId: string | null;
  recipient: { kind: 'identity'; identityId: string } | { kind: 'staff'; staffId: string };
  kind: string;
  payload: Record<string, unknown>;
}

export interface CaseRepository {
  insert(record: Case): Promise<void>;
  /** Reads the case and locks it until the transaction ends. */
  getForUpdate(id: string): Promise<Case | null>;
  get(id: string): Promise<Case | null>;
  findByNumber(number: string): Promise<Case | null>;
  findBySubmissionKey(key: string): Promise<Case | null>;
  /** The complainant's cases in a category since a date, newest first, to spot repeat complaints. */
  recentOfComplainant(query: { identityId: string; category: string; since: Date }): Promise<Case[]>;
  /** Saves when `record.version` is still the stored one, bumping it; returns false on a concurrent change. */
  update(record: Case): Promise<boolean>;
  /** Cases on the same matter (category and place) since `since`, leaving out rejected and withdrawn ones. */
  onSameMatter(matter: { category: string; locationKey: string; since: Date }): Promise<Case[]>;
  listByComplainant(identityId: string, limit: number): Promise<Case[]>;
  /** Open cases marked complex, by id after `afterId`: the ones owed a daily progress message. */
  listOpenComplex(limit: number, afterId?: string): Promise<Case[]>;
  /** Cases with at least one running SLA clock, by id after `afterId`: to reschedule their timers. */
  listWithRunningClocks(limit: number, afterId?: string): Promise<Case[]>;
}

/** Filters of the staff case list; every one is optional and they combine with AND. */
export interface CaseFilter {
  statuses?: readonly CaseStatus[];
  type?: Case['type'];
  category?: string;
  departmentId?: string;
  assigneeId?: string;
  severity?: Case['severity'];
  channel?: string;
  /** Only cases with a running clock past its deadline at this instant. */
  overdueAt?: Date;
  createdFrom?: Date;
  createdBefore?: Date;
  /** Already simplified: matches the simplified description, so 投诉 and 投訴 find the same cases. */
  text?: string;
}

export type CaseSort = 'deadline' | 'newest';

/** Where the previous page ended: the sort value of its last case, and that case's id. */
export interface CaseCursor {
  value: string | null;
  id: string;
}

export interface CaseSearchRepository {
  search(query: {
    filter: CaseFilter;
    /** Only this department (null = all), never cases about `notAccused`. */
    scope: { departmentId: string | null; notAccused: string };
    sort: CaseSort;
    limit: number;
    after?: CaseCursor;
  }): Promise<Case[]>;
}

export interface CaseEventRepository {
  append(events: readonly NewCaseEvent[]): Promise<void>;
  listForCase(caseId: string): Promise<CaseEvent[]>;
}

export interface CounterRepository {
  /** Increments and returns the counter; held by the transaction until it ends, so no gaps on rollback. */
  next(key: string): Promise<number>;
}

export interface IdentityRepository {
  /** Finds the person on that channel or records them; refreshes name and script when given. */
  upsert(identity: Pick<ChannelIdentity, 'channel' | 'externalId' | 'kind'> & Partial<Pick<ChannelIdentity, 'displayName' | 'locale'>>): Promise<ChannelIdentity>;
  get(id: string): Promise<ChannelIdentity | null>;
  find(channel: string, externalId: string): Promise<ChannelIdentity | null>;
  /** Makes this chat account a staff member's: their assignments are sent to it from now on. */
  bindStaff(identity: { channel: string; externalId: string; displayName?: string | null }, staffId: string): Promise<ChannelIdentity>;
  /** Every channel account bound to a staff member, on any channel. */
  listForStaff(staffId: string): Promise<ChannelIdentity[]>;
  /** The person blocked the bot or left: the outbox relay stops addressing them. */
  markUnreachable(id: string): Promise<void>;
}

export interface StaffRepository {
  insert(member: Omit<Staff, 'id' | 'username'> & { id?: string; username?: string | null; passwordHash?: string | null }): Promise<Staff>;
  get(id: string): Promise<Staff | null>;
  list(filter?: { departmentId?: string; role?: StaffRole; active?: boolean }): Promise<Staff[]>;
  /** Returns null when there is no such member. */
  update(id: string, changes: StaffChanges): Promise<Staff | null>;
  /** Members of a department with their number of open cases, for least-loaded routing. */
  candidates(departmentId: string): Promise<StaffCandidate[]>;
  /**
   * Active supervisors of a department; `null` asks for the organisation-wide supervisors (no
   * department), who are the leadership that major and twice-unsatisfied cases go to.
   */
  supervisors(departmentId: string | null): Promise<Staff[]>;
  credentialsByUsername(username: string): Promise<StaffCredentials | null>;
  credentials(id: string): Promise<StaffCredentials | null>;
  setPassword(id: string, passwordHash: string): Promise<void>;
  /** Every sign-in token issued so far stops working. */
  revokeTokens(id: string): Promise<void>;
  /** Whether any admin account exists (the CLI creates the first). */
  countByRole(role: StaffRole): Promise<number>;
}

export interface DepartmentRepository {
  /** Adds departments from config that the database does not have yet; never overwrites edits. */
  ensure(departments: ReadonlyArray<Pick<Department, 'id' | 'name'>>): Promise<void>;
  get(id: string): Promise<Department | null>;
  list(): Promise<Department[]>;
  insert(department: Pick<Department, 'id' | 'name'>): Promise<Department>;
  update(id: string, changes: Partial<Pick<Department, 'name' | 'managerStaffId' | 'active'>>): Promise<Department | null>;
  setManager(id: string, staffId: string | null): Promise<void>;
}

export interface RoutingRule {
  category: string;
  departmentId: string;
}

export interface RoutingRuleRepository {
  /** The categories re-routed through the admin API; the rest follow config/policy.yaml. */
  list(): Promise<RoutingRule[]>;
  set(rule: RoutingRule): Promise<RoutingRule>;
  /** Returns whether a rule was removed. */
  remove(category: string): Promise<boolean>;
}

export interface ApiToken {
  id: string;
  staffId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ApiTokenRepository {
  insert(token: { staffId: string; name: string; tokenHash: string }): Promise<ApiToken>;
  /** A token that is not revoked, by the hash of its secret. */
  findActiveByHash(tokenHash: string): Promise<ApiToken | null>;
  list(): Promise<ApiToken[]>;
  revoke(id: string, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
}

export interface AuditEntry {
  id: number;
  at: Date;
  staffId: string | null;
  /** e.g. personal_data_viewed, login, login_failed, staff_updated, token_revoked. */
  action: string;
  caseId: string | null;
  data: Record<string, unknown>;
}

export interface AuditRepository {
  add(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(query: { caseId?: string; staffId?: string; action?: string; before?: number; limit: number }): Promise<AuditEntry[]>;
}

export interface SettingsRepository {
  /** The stored value, or `value` stored now if there was none: the first process to ask decides. */
  getOrInsert(key: string, value: string): Promise<string>;
}

export interface Attachment {
  id: string;
  caseId: string | null;
  identityId: string | null;
  channel: string;
  /** The channel's own reference (Telegram file_id, WeChat MediaId); never a URL holding a token. */
  externalRef: string;
  contentType: string | null;
  sizeBytes: number | null;
  storagePath: string | null;
  sha256?: string | null;
}

export interface AttachmentRepository {
  add(attachment: Omit<Attachment, 'id' | 'caseId'> & { caseId?: string | null }): Promise<Attachment>;
  /** Links evidence received during the intake to the case it belongs to. */
  attachToCase(ids: readonly string[], caseId: string): Promise<void>;
  listForCase(caseId: string): Promise<Attachment[]>;
}

/** An outbox row the relay has claimed and not yet handed to a queue. */
export interface PendingOutboxMessage extends Omit<OutboxMessage, 'recipient'> {
  id: number;
  /** Null only for a malformed row that names nobody. */
  recipient: OutboxMessage['recipient'] | null;
  createdAt: Date;
}

export interface OutboxRepository {
  add(messages: readonly OutboxMessage[]): Promise<void>;
  /**
   * Up to `limit` undispatched rows in id order, locked until the transaction ends; rows another
   * transaction holds are skipped (FOR UPDATE SKIP LOCKED). Only meaningful inside `Store.transaction`.
   */
  claimPending(limit: number): Promise<PendingOutboxMessage[]>;
  markDispatched(ids: readonly number[], at: Date): Promise<void>;
  /** Whether a message of that kind was ever written for the case (to say some things only once). */
  existsForCase(caseId: string, kind: string): Promise<boolean>;
}

export interface Repositories {
  cases: CaseRepository;
  events: CaseEventRepository;
  counters: CounterRepository;
  identities: IdentityRepository;
  staff: StaffRepository;
  departments: DepartmentRepository;
  outbox: OutboxRepository;
  attachments: AttachmentRepository;
  routing: RoutingRuleRepository;
  caseSearch: CaseSearchRepository;
  apiTokens: ApiTokenRepository;
  audit: AuditRepository;
  settings: SettingsRepository;
  reports: ReportRepository;
}

export const REPORT_DIMENSIONS = ['category', 'department', 'channel', 'type', 'severity'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** Which cases a report covers: received in [from, to), seen as the staff member whose scope it is. */
export interface ReportSelection {
  from: Date;
  to: Date;
  scope: { departmentId: string | null; notAccused: string };
}

/** A local month ('YYYY-MM') and the instants it runs between. */
export interface ReportMonth {
  month: string;
  from: Date;
  to: Date;
}

/** Counts for one group of cases; every rate of a report is a ratio of two of these. */
export interface ReportCounts {
  received: number;
  acknowledgedWithin24h: number;
  /** Resolved at least once. */
  resolved: number;
  /** Resolved at least once, with no breach of the resolution limit before the first resolution. */
  resolvedOnTime: number;
  /** Resolved or closed now. */
  resolvedOrClosed: number;
  ratings: number;
  satisfied: number;
  reopened: number;
  repeat: number;
}

/** One row per group of each dimension (`key` null: cases without a value, e.g. no department yet), and the total (`dimension` null). */
export interface ReportCountRow extends ReportCounts {
  dimension: ReportDimension | null;
  key: string | null;
}

export interface HandlingTimeRow {
  category: string;
  departmentId: string | null;
  channel: string;
  type: string;
  severity: string;
  createdAt: Date;
  firstResolvedAt: Date;
}

export interface ReportCaseRow {
  id: string;
  number: string;
  category: string;
  departmentId: string | null;
  status: CaseStatus;
  createdAt: Date;
  nextDeadline: Date | null;
}

export interface ReportRepository {
  /** The counts of every group of each dimension and the total, in one aggregate query. */
  counts(selection: ReportSelection, dimensions: readonly ReportDimension[]): Promise<ReportCountRow[]>;
  /** Received and first-resolved instants of the resolved cases, to measure handling time in working hours. */
  handlingTimes(selection: ReportSelection): Promise<HandlingTimeRow[]>;
  /**
   * Cases received before `selection.to` still open at `now` (`overdueOnly`: with a running deadline
   * already passed), by the next deadline; the list is capped at `limit`, `total` counts them all.
   */
  openCases(selection: ReportSelection, options: { now: Date; overdueOnly: boolean; limit: number }): Promise<{ total: number; items: ReportCaseRow[] }>;
  /** Cases received per month and category; `months` are consecutive periods [from, to), oldest first. */
  monthlyTrend(scope: ReportSelection['scope'], months: ReadonlyArray<ReportMonth>): Promise<Array<{ month: string; category: string; received: number }>>;
}

/** The storage port: repositories outside a transaction, or all of them inside one. */
export interface Store extends Repositories {
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
}
