import type { Actor, Case, Script } from '../domain/case';
import type { StaffCandidate } from '../domain/routing';

export type StaffRole = 'admin' | 'supervisor' | 'agent' | 'auditor';

export interface Staff {
  id: string;
  name: string;
  departmentId: string | null;
  role: StaffRole;
  active: boolean;
}

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
  insert(member: Omit<Staff, 'id'> & { id?: string }): Promise<Staff>;
  get(id: string): Promise<Staff | null>;
  /** Members of a department with their number of open cases, for least-loaded routing. */
  candidates(departmentId: string): Promise<StaffCandidate[]>;
}

export interface DepartmentRepository {
  /** Adds departments from config that the database does not have yet; never overwrites edits. */
  ensure(departments: ReadonlyArray<Pick<Department, 'id' | 'name'>>): Promise<void>;
  get(id: string): Promise<Department | null>;
  setManager(id: string, staffId: string | null): Promise<void>;
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
}

/** The storage port: repositories outside a transaction, or all of them inside one. */
export interface Store extends Repositories {
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
}
