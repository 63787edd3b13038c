import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { OutboxRepository, PendingOutboxMessage } from '../application/ports';
import type { Database } from './database';
import { outbox } from './schema';

type OutboxRow = typeof outbox.$inferSelect;

export function outboxRepository(db: Database): OutboxRepository {
  return {
    async add(messages) {
      if (messages.length === 0) return;
      await db.insert(outbox).values(
        messages.map((message) => ({
          caseId: message.caseId,
          recipientIdentityId: message.recipient.kind === 'identity' ? message.recipient.identityId : null,
          recipientStaffId: message.recipient.kind === 'staff' ? message.recipient.staffId : null,
          kind: message.kind,
          payload: message.payload,
        })),
      );
    },
    async claimPending(limit) {
      const rows = await db
        .select()
        .from(outbox)
        .where(isNull(outbox.dispatchedAt))
        .orderBy(asc(outbox.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      return rows.map(toPending);
    },
    async markDispatched(ids, at) {
      if (ids.length === 0) return;
      await db
        .update(outbox)
        .set({ dispatchedAt: at })
        .where(inArray(outbox.id, [...ids]));
    },
    async existsForCase(caseId, kind) {
      const [row] = await db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.caseId, caseId), eq(outbox.kind, kind)))
        .limit(1);
      return !!row;
    },
  };
}

function toPending(row: OutboxRow): PendingOutboxMessage {
  const recipient: PendingOutboxMessage['recipient'] = row.recipientIdentityId
    ? { kind: 'identity', identityId: row.recipientIdentityId }
    : row.recipientStaffId
      ? { kind: 'staff', staffId: row.recipientStaffId }
      : null;
  return { id: row.id, caseId: row.caseId, recipient, kind: row.kind, payload: row.payload, createdAt: row.createdAt };
}
