import type { OutboxRepository } from '../application/ports';
import type { Database } from './database';
import { outbox } from './schema';

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
  };
}
