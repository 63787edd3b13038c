import { asc, eq } from 'drizzle-orm';
import type { Actor } from '../domain/case';
import type { CaseEventRepository } from '../application/ports';
import type { Database } from './database';
import { caseEvents } from './schema';

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
