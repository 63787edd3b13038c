import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const departments = pgTable('departments', {
  id: text('id').primaryKey(),
  name: jsonb('name').$type<Record<string, string>>().notNull(),
  managerStaffId: uuid('manager_staff_id'),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
});

export const staff = pgTable(
  'staff',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    departmentId: text('department_id').references(() => departments.id),
    role: text('role').notNull(),
    active: boolean('active').notNull().default(true),
    username: text('username'),
    passwordHash: text('password_hash'),
    /** Sign-in tokens carry the generation they were issued in; raising it ("sign out everywhere") refuses all earlier ones. */
    sessionGeneration: integer('session_generation').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('staff_username_key').on(t.username), index('staff_department_idx').on(t.departmentId)],
);

/** Who a person is on which channel: complainants and staff alike. */
export const channelIdentities = pgTable(
  'channel_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    kind: text('kind').notNull(),
    staffId: uuid('staff_id').references(() => staff.id),
    displayName: text('display_name'),
    locale: text('locale'),
    unreachable: boolean('unreachable').notNull().default(false),
    lastInboundAt: timestamp('last_inbound_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('channel_identities_channel_external_key').on(t.channel, t.externalId)],
);

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: text('number').notNull(),
    type: text('type').notNull(),
    category: text('category').notNull(),
    status: text('status').notNull(),
    severity: text('severity').notNull(),
    severityReasons: jsonb('severity_reasons').$type<unknown[]>().notNull().default([]),
    severitySetByStaff: boolean('severity_set_by_staff').notNull().default(false),
    escalationLevel: integer('escalation_level').notNull().default(0),
    channel: text('channel').notNull(),
    complainantIdentityId: uuid('complainant_identity_id').references(() => channelIdentities.id),
    anonymous: boolean('anonymous').notNull().default(false),
    contactName: text('contact_name'),
    contactPhone: text('contact_phone'),
    description: text('description').notNull(),
    descriptionScript: text('description_script').notNull(),
    descriptionSimplified: text('description_simplified').notNull(),
    incidentAt: timestamp('incident_at', { withTimezone: true, mode: 'date' }),
    incidentTimeText: text('incident_time_text'),
    location: text('location'),
    locationKey: text('location_key'),
    involved: text('involved'),
    accusedStaffId: uuid('accused_staff_id').references(() => staff.id),
    wants: jsonb('wants').$type<string[]>().notNull().default([]),
    departmentId: text('department_id').references(() => departments.id),
    assigneeId: uuid('assignee_id').references(() => staff.id),
    linkedCaseId: uuid('linked_case_id'),
    /** Identifies one intake of one person: a retried submission finds its case instead of filing it twice. */
    submissionKey: text('submission_key'),
    complex: boolean('complex').notNull().default(false),
    sla: jsonb('sla').$type<Record<string, unknown>>().notNull().default({}),
    /** The earliest deadline of the running SLA clocks, kept in step with `sla` for sorting and the overdue filter. */
    nextDeadline: timestamp('next_deadline', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    version: integer('version').notNull().default(1),
    // What the reports count, kept from the case's events as they are appended (report-facts.ts),
    // so a month's figures read the case rows alone. Not part of the domain's Case: only
    // caseEventRepository.append writes them, never a save of the case.
    /** The first accept or reject. */
    firstAcknowledgedAt: timestamp('first_acknowledged_at', { withTimezone: true, mode: 'date' }),
    firstResolvedAt: timestamp('first_resolved_at', { withTimezone: true, mode: 'date' }),
    /** The first breach of the resolve limit. */
    firstResolveBreachAt: timestamp('first_resolve_breach_at', { withTimezone: true, mode: 'date' }),
    ratings: integer('ratings').notNull().default(0),
    satisfiedRatings: integer('satisfied_ratings').notNull().default(0),
    reopened: boolean('reopened').notNull().default(false),
  },
  (t) => [
    uniqueIndex('cases_number_key').on(t.number),
    index('cases_status_idx').on(t.status),
    index('cases_department_status_idx').on(t.departmentId, t.status),
    index('cases_assignee_status_idx').on(t.assigneeId, t.status),
    // Reports read the month and the 12-month trend from the index alone (index-only scan).
    index('cases_created_report_idx').on(t.createdAt, t.category, t.departmentId, t.accusedStaffId),
    index('cases_complainant_idx').on(t.complainantIdentityId, t.createdAt),
    index('cases_category_created_idx').on(t.category, t.createdAt),
    index('cases_same_matter_idx').on(t.category, t.locationKey, t.createdAt),
    uniqueIndex('cases_submission_key').on(t.submissionKey),
    index('cases_next_deadline_idx').on(t.nextDeadline, t.id),
    // One status by deadline: without it, a status whose cases have no deadline (closed) walks the whole deadline index (~0.9 s at 1M cases).
    index('cases_status_deadline_idx').on(t.status, t.nextDeadline, t.id),
    index('cases_created_id_idx').on(t.createdAt, t.id),
    // Counts the open cases of a report without reading the table (~450,000 rows at 1M cases: 2.1 s → 0.3 s).
    index('cases_status_created_idx').on(t.status, t.createdAt, t.departmentId, t.accusedStaffId),
  ],
);

/** The timeline and audit log of a case: every message, action and view of personal data. */
export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    type: text('type').notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('case_events_case_idx').on(t.caseId, t.id),
  ],
);

/** Notifications written in the same transaction as the change they announce; a relay sends them. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id').references(() => cases.id),
    recipientIdentityId: uuid('recipient_identity_id').references(() => channelIdentities.id),
    recipientStaffId: uuid('recipient_staff_id').references(() => staff.id),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('outbox_pending_idx').on(t.id).where(sql`${t.dispatchedAt} is null`)],
);

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').references(() => cases.id),
    identityId: uuid('identity_id').references(() => channelIdentities.id),
    channel: text('channel').notNull(),
    externalRef: text('external_ref').notNull(),
    contentType: text('content_type'),
    sizeBytes: integer('size_bytes'),
    storagePath: text('storage_path'),
    sha256: text('sha256'),
    createdAt: createdAt(),
  },
  (t) => [index('attachments_case_idx').on(t.caseId)],
);

/** Monthly case-number serials; incremented inside the case's own transaction so numbers are gap-free. */
export const counters = pgTable('counters', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
});

/** Which department handles which category; seeded from config, then edited through the admin API. */
export const routingRules = pgTable('routing_rules', {
  category: text('category').primaryKey(),
  departmentId: text('department_id')
    .notNull()
    .references(() => departments.id),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Long-lived tokens for integrations; only a hash is kept, the token is shown once. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash)],
);

/** Who saw personal data or changed the set-up, and when: kept for the auditors. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    staffId: uuid('staff_id').references(() => staff.id),
    action: text('action').notNull(),
    caseId: uuid('case_id').references(() => cases.id),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_case_idx').on(t.caseId)],
);

/** Values the application generates once and shares between processes, e.g. the token signing key. */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const schema = { departments, staff, channelIdentities, cases, caseEvents, outbox, attachments, counters, routingRules, apiTokens, auditLog, appSettings };
export type Schema = typeof schema;
