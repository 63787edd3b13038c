import { and, desc, eq, gt, gte, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { Case } from '../domain/case';
import { OPEN_STATUSES } from '../domain/case-lifecycle';
import type { CaseRepository } from '../application/ports';
import type { Database } from './database';
import { cases } from './schema';

type CaseRow = typeof cases.$inferSelect;

export function caseRepository(db: Database): CaseRepository {
  return {
    async insert(record) {
      await db.insert(cases).values(toRow(record));
    },
    async get(id) {
      const [row] = await db.select().from(cases).where(eq(cases.id, id));
      return row ? toCase(row) : null;
    },
    async getForUpdate(id) {
      const [row] = await db.select().from(cases).where(eq(cases.id, id)).for('update');
      return row ? toCase(row) : null;
    },
    async findByNumber(number) {
      const [row] = await db.select().from(cases).where(eq(cases.number, number));
      return row ? toCase(row) : null;
    },
    async findBySubmissionKey(key) {
      const [row] = await db.select().from(cases).where(eq(cases.submissionKey, key));
      return row ? toCase(row) : null;
    },
    async recentOfComplainant({ identityId, category, since }) {
      const rows = await db
        .select()
        .from(cases)
        .where(and(eq(cases.complainantIdentityId, identityId), eq(cases.category, category), gte(cases.createdAt, since)))
        .orderBy(desc(cases.createdAt))
        .limit(20);
      return rows.map(toCase);
    },
    async update(record) {
      const updated = await db
        .update(cases)
        .set({ ...toRow(record), version: record.version + 1 })
        .where(and(eq(cases.id, record.id), eq(cases.version, record.version)))
        .returning({ id: cases.id });
      return updated.length === 1;
    },
    async onSameMatter({ category, locationKey, since }) {
      const rows = await db
        .select()
        .from(cases)
        .where(
          and(
            eq(cases.category, category),
            eq(cases.locationKey, locationKey),
            gte(cases.createdAt, since),
            notInArray(cases.status, ['rejected', 'withdrawn']),
          ),
        )
        .orderBy(cases.createdAt)
        // A collective complaint needs only a handful; the cap keeps a flood from loading thousands.
        .limit(100);
      return rows.map(toCase);
    },
    async listByComplainant(identityId, limit) {
      const rows = await db
        .select()
        .from(cases)
        .where(eq(cases.complainantIdentityId, identityId))
        .orderBy(desc(cases.createdAt), desc(sql`${cases.number}`))
        .limit(limit);
      return rows.map(toCase);
    },
    async listOpenComplex(limit, afterId) {
      const rows = await db
        .select()
        .from(cases)
        .where(and(eq(cases.complex, true), inArray(cases.status, [...OPEN_STATUSES]), afterId ? gt(cases.id, afterId) : undefined))
        .orderBy(cases.id)
        .limit(limit);
      return rows.map(toCase);
    },
    async listWithRunningClocks(limit, afterId) {
      const rows = await db
        .select()
        .from(cases)
        .where(and(isNotNull(cases.nextDeadline), afterId ? gt(cases.id, afterId) : undefined))
        .orderBy(cases.id)
        .limit(limit);
      return rows.map(toCase);
    },
  };
}

function toRow(record: Case): typeof cases.$inferInsert {
  const { sla, severityReasons, ...rest } = record;
  return { ...rest, sla: sla as Record<string, unknown>, severityReasons, nextDeadline: nextDeadline(record) };
}

/** The earliest deadline among the running clocks; paused and stopped clocks have none. */
export function nextDeadline(record: Pick<Case, 'sla'>): Date | null {
  const deadlines = Object.values(record.sla)
    .map((clock) => clock?.deadline)
    .filter((deadline): deadline is string => typeof deadline === 'string')
    .map((deadline) => new Date(deadline).getTime());
  return deadlines.length > 0 ? new Date(Math.min(...deadlines)) : null;
}

export function toCase(row: CaseRow): Case {
  // The report facts belong to the events (report-facts.ts): a save of the case must not write back what it read.
  const { nextDeadline: _derived, firstAcknowledgedAt: _a, firstResolvedAt: _r, firstResolveBreachAt: _b, ratings: _n, satisfiedRatings: _s, reopened: _o, ...rest } = row;
  return {
    ...rest,
    type: row.type as Case['type'],
    status: row.status as Case['status'],
    severity: row.severity as Case['severity'],
    severityReasons: row.severityReasons as Case['severityReasons'],
    descriptionScript: row.descriptionScript as Case['descriptionScript'],
    wants: row.wants as Case['wants'],
    sla: row.sla as Case['sla'],
  };
}
