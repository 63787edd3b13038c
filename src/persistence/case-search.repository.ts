import { and, asc, desc, eq, gt, gte, ilike, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { CaseCursor, CaseSearchRepository } from '../application/ports';
import type { Database } from './database';
import { toCase } from './case.repository';
import { cases } from './schema';

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The staff case list: filters, scope and keyset pagination, all in one indexed query. */
export function caseSearchRepository(db: Database): CaseSearchRepository {
  return {
    async search({ filter, scope, sort, limit, after }) {
      const conditions: Array<SQL | undefined> = [
        filter.statuses?.length ? inArray(cases.status, [...filter.statuses]) : undefined,
        filter.type ? eq(cases.type, filter.type) : undefined,
        filter.category ? eq(cases.category, filter.category) : undefined,
        filter.departmentId ? eq(cases.departmentId, filter.departmentId) : undefined,
        filter.assigneeId ? eq(cases.assigneeId, filter.assigneeId) : undefined,
        filter.severity ? eq(cases.severity, filter.severity) : undefined,
        filter.channel ? eq(cases.channel, filter.channel) : undefined,
        filter.overdueAt ? lt(cases.nextDeadline, filter.overdueAt) : undefined,
        filter.createdFrom ? gte(cases.createdAt, filter.createdFrom) : undefined,
        filter.createdBefore ? lt(cases.createdAt, filter.createdBefore) : undefined,
        filter.text
          ? or(ilike(cases.descriptionSimplified, likePattern(filter.text)), ilike(cases.number, likePattern(filter.text)), ilike(cases.location, likePattern(filter.text)))
          : undefined,
        scope.departmentId !== null ? eq(cases.departmentId, scope.departmentId) : undefined,
        or(isNull(cases.accusedStaffId), ne(cases.accusedStaffId, scope.notAccused)),
        after ? (sort === 'deadline' ? afterByDeadline(after) : afterByNewest(after)) : undefined,
      ];
      const order = sort === 'deadline' ? [sql`${cases.nextDeadline} asc nulls last`, asc(cases.id)] : [desc(cases.createdAt), desc(cases.id)];
      const rows = await db
        .select()
        .from(cases)
        .where(and(...conditions))
        .orderBy(...order)
        .limit(limit);
      return rows.map(toCase);
    },
  };
}

// Cases without a running clock sort after every deadline; the cursor walks the dated ones, then those.
function afterByDeadline(after: CaseCursor): SQL | undefined {
  if (after.value === null) return and(isNull(cases.nextDeadline), gt(cases.id, after.id));
  const at = new Date(after.value);
  return or(gt(cases.nextDeadline, at), and(eq(cases.nextDeadline, at), gt(cases.id, after.id)), isNull(cases.nextDeadline));
}

function afterByNewest(after: CaseCursor): SQL | undefined {
  const at = new Date(after.value ?? 0);
  return or(lt(cases.createdAt, at), and(eq(cases.createdAt, at), lt(cases.id, after.id)));
}

