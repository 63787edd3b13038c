import { sql, type SQL } from 'drizzle-orm';
import type { CaseStatus } from '../domain/case-lifecycle';
import { OPEN_STATUSES } from '../domain/case-lifecycle';
import type { HandlingTimeRow, ReportCountRow, ReportDimension, ReportRepository, ReportSelection } from '../application/ports';
import type { Database } from './database';

const DIMENSION_COLUMNS: Record<ReportDimension, SQL> = {
  category: sql.raw('c.category'),
  department: sql.raw('c.department_id'),
  channel: sql.raw('c.channel'),
  type: sql.raw('c.type'),
  severity: sql.raw('c.severity'),
};

const ACKNOWLEDGE_WITHIN = sql.raw(`interval '24 hours'`);
const openStatuses = sql.join(
  OPEN_STATUSES.map((status) => sql`${status}`),
  sql`, `,
);

// Instants travel as epoch milliseconds: the PostgreSQL server and PGlite drivers parse timestamps differently.
const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;

function scoped(selection: ReportSelection, received: 'period' | 'before'): SQL {
  const { from, to, scope } = selection;
  return sql.join(
    [
      received === 'period' ? sql`c.created_at >= ${from.toISOString()}::timestamptz and c.created_at < ${to.toISOString()}::timestamptz` : sql`c.created_at < ${to.toISOString()}::timestamptz`,
      scope.departmentId !== null ? sql`c.department_id = ${scope.departmentId}` : sql`true`,
      sql`(c.accused_staff_id is null or c.accused_staff_id <> ${scope.notAccused}::uuid)`,
    ],
    sql` and `,
  );
}

async function rows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Report figures aggregated in the database: each method is one query, whatever the number of cases. */
export function reportRepository(db: Database): ReportRepository {
  return {
    async counts(selection, dimensions) {
      const columns = dimensions.map((dimension) => DIMENSION_COLUMNS[dimension]);
      const groupingSets = sql.join([...columns.map((column) => sql`(${column})`), sql`()`], sql`, `);
      const selected = columns.flatMap((column, index) => [sql`grouping(${column})::int as ${sql.raw(`g${index}`)}`, sql`${column} as ${sql.raw(`k${index}`)}`]);
      // The per-case facts live on the case row (report-facts.ts): one pass over the month's cases, FILTER per figure.
      const query = sql`
        select ${sql.join([...selected, sql``], sql`, `)}
          count(*)::int as received,
          count(*) filter (where c.first_acknowledged_at <= c.created_at + ${ACKNOWLEDGE_WITHIN})::int as acknowledged_within_24h,
          count(*) filter (where c.first_resolved_at is not null)::int as resolved,
          count(*) filter (where c.first_resolved_at is not null and (c.first_resolve_breach_at is null or c.first_resolve_breach_at > c.first_resolved_at))::int as resolved_on_time,
          count(*) filter (where c.status in ('resolved', 'closed'))::int as resolved_or_closed,
          coalesce(sum(c.ratings), 0)::int as ratings,
          coalesce(sum(c.satisfied_ratings), 0)::int as satisfied,
          count(*) filter (where c.reopened)::int as reopened,
          count(*) filter (where c.linked_case_id is not null)::int as repeat
        from cases c
        where ${scoped(selection, 'period')}
        group by grouping sets (${groupingSets})`;
      type Row = Record<string, unknown> & { received: number; acknowledged_within_24h: number; resolved: number; resolved_on_time: number; resolved_or_closed: number; ratings: number; satisfied: number; reopened: number; repeat: number };
      const found = await rows<Row>(db, query);
      const result = found.map((row): ReportCountRow => {
        const index = dimensions.findIndex((_, i) => Number(row[`g${i}`]) === 0);
        return {
          dimension: index === -1 ? null : dimensions[index]!,
          key: index === -1 ? null : ((row[`k${index}`] as string | null) ?? null),
          received: row.received,
          acknowledgedWithin24h: row.acknowledged_within_24h,
          resolved: row.resolved,
          resolvedOnTime: row.resolved_on_time,
          resolvedOrClosed: row.resolved_or_closed,
          ratings: row.ratings,
          satisfied: row.satisfied,
          reopened: row.reopened,
          repeat: row.repeat,
        };
      });
      // With no case at all the empty grouping set still gives the total row.
      return result;
    },

    async handlingTimes(selection) {
      const found = await rows<{ category: string; department_id: string | null; channel: string; type: string; severity: string; created_ms: number; resolved_ms: number }>(
        db,
        sql`
          select c.category, c.department_id, c.channel, c.type, c.severity, ${epochMs(sql`c.created_at`)} as created_ms, ${epochMs(sql`c.first_resolved_at`)} as resolved_ms
          from cases c
          where ${scoped(selection, 'period')} and c.first_resolved_at is not null`,
      );
      return found.map(
        (row): HandlingTimeRow => ({
          category: row.category,
          departmentId: row.department_id,
          channel: row.channel,
          type: row.type,
          severity: row.severity,
          createdAt: new Date(Number(row.created_ms)),
          firstResolvedAt: new Date(Number(row.resolved_ms)),
        }),
      );
    },

    async openCases(selection, { now, overdueOnly, limit }) {
      const matching = sql`${scoped(selection, 'before')} and c.status in (${openStatuses})
        ${overdueOnly ? sql`and c.next_deadline < ${now.toISOString()}::timestamptz` : sql``}`;
      // The count and the list are separate scans: a window count would make the list read every open case before its LIMIT.
      const found = await rows<{ total: number; id: string | null; number: string; category: string; department_id: string | null; status: CaseStatus; created_ms: number; deadline_ms: number | null }>(
        db,
        sql`
          select t.total, l.id, l.number, l.category, l.department_id, l.status, l.created_ms, l.deadline_ms
          from (select count(*)::int as total from cases c where ${matching}) t
          left join lateral (
            select c.id, c.number, c.category, c.department_id, c.status, c.next_deadline, ${epochMs(sql`c.created_at`)} as created_ms, ${epochMs(sql`c.next_deadline`)} as deadline_ms
            from cases c
            where ${matching}
            order by c.next_deadline asc nulls last, c.id
            limit ${limit}
          ) l on true
          order by l.next_deadline asc nulls last, l.id`,
      );
      return {
        total: Number(found[0]?.total ?? 0),
        // With no open case the list side is one row of nulls next to the count of 0.
        items: found
          .filter((row): row is typeof row & { id: string } => row.id !== null)
          .map((row) => ({
            id: row.id,
            number: row.number,
            category: row.category,
            departmentId: row.department_id,
            status: row.status,
            createdAt: new Date(Number(row.created_ms)),
            nextDeadline: row.deadline_ms === null ? null : new Date(Number(row.deadline_ms)),
          })),
      };
    },

    async monthlyTrend(scope, months) {
      const first = months[0];
      const last = months.at(-1);
      if (!first || !last) return [];
      // Each case's month by where it falls among the months' starts: converting every case's
      // instant to local time to truncate it took longer than reading the year's cases.
      const starts = sql.join(
        months.slice(1).map((month) => sql`${month.from.toISOString()}::timestamptz`),
        sql`, `,
      );
      const bucket = months.length > 1 ? sql`width_bucket(c.created_at, array[${starts}])` : sql`0`;
      const found = await rows<{ bucket: number; category: string; received: number }>(
        db,
        sql`
          select ${bucket} as bucket, c.category, count(*)::int as received
          from cases c
          where ${scoped({ from: first.from, to: last.to, scope }, 'period')}
          group by 1, 2`,
      );
      return found.map((row) => ({ month: months[Number(row.bucket)]!.month, category: row.category, received: Number(row.received) }));
    },
  };
}
