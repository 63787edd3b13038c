import { asc, eq, sql } from 'drizzle-orm';
import type { Actor } from '../domain/case';
import type { CaseEventRepository } from '../application/ports';
import type { Database } from './database';
import { reportFactsOf } from './report-facts';
import { caseEvents } from './schema';

// Instants as ISO text with a cast: the PostgreSQL server and PGlite drivers bind Date parameters differently.
const instant = (at: Date | null) => sql`${at?.toISOString() ?? null}::timestamptz`;

export function caseEventRepository(db: Database): CaseEventRepository {
  return {
    async append(events) {
      if (events.length === 0) return;
      await db.insert(caseEvents).values(
        events.map((event) => ({
          caseId: event.caseId,
          at: event.at,
          type: event.type,
          actorKind: event.actor.kind,
          actorId: actorId(event.actor),
          data: event.data,
        })),
      );
      // In the same transaction as the events: the case row's report figures never disagree with its timeline.
      for (const [caseId, facts] of reportFactsOf(events)) {
        await db.execute(sql`
          update cases set
            first_acknowledged_at = least(first_acknowledged_at, ${instant(facts.acknowledgedAt)}),
            first_resolved_at = least(first_resolved_at, ${instant(facts.resolvedAt)}),
            first_resolve_breach_at = least(first_resolve_breach_at, ${instant(facts.resolveBreachAt)}),
            ratings = ratings + ${facts.ratings},
            satisfied_ratings = satisfied_ratings + ${facts.satisfiedRatings},
            reopened = reopened or ${facts.reopened}
          where id = ${caseId}`);
      }
    },
    async listForCase(caseId) {
      const rows = await db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId)).orderBy(asc(caseEvents.id));
      return rows.map((row) => ({
        id: row.id,
        caseId: row.caseId,
        at: row.at,
        type: row.type,
        actor: toActor(row.actorKind, row.actorId),
        data: row.data,
      }));
    },
  };
}

function actorId(actor: Actor): string | null {
  switch (actor.kind) {
    case 'system':
      return null;
    case 'complainant':
      return actor.identityId;
    case 'staff':
      return actor.staffId;
  }
}

function toActor(kind: string, id: string | null): Actor {
  if (kind === 'staff' && id) return { kind: 'staff', staffId: id };
  if (kind === 'complainant') return { kind: 'complainant', identityId: id };
  return { kind: 'system' };
}
