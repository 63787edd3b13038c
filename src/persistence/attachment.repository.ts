import { asc, eq, inArray } from 'drizzle-orm';
import type { Attachment, AttachmentRepository } from '../application/ports';
import type { Database } from './database';
import { attachments } from './schema';

export function attachmentRepository(db: Database): AttachmentRepository {
  return {
    async add(attachment) {
      const [row] = await db.insert(attachments).values(attachment).returning();
      if (!row) throw new Error('attachment insert returned no row');
      return toAttachment(row);
    },
    async attachToCase(ids, caseId) {
      if (ids.length === 0) return;
      await db.update(attachments).set({ caseId }).where(inArray(attachments.id, [...ids]));
    },
    async listForCase(caseId) {
      const rows = await db.select().from(attachments).where(eq(attachments.caseId, caseId)).orderBy(asc(attachments.createdAt));
      return rows.map(toAttachment);
    },
  };
}

function toAttachment(row: typeof attachments.$inferSelect): Attachment {
  return {
    id: row.id,
    caseId: row.caseId,
    identityId: row.identityId,
    channel: row.channel,
    externalRef: row.externalRef,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    storagePath: row.storagePath,
    sha256: row.sha256,
  };
}
