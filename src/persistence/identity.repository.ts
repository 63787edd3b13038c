import { and, asc, eq, sql } from 'drizzle-orm';
import type { ChannelIdentity, IdentityRepository } from '../application/ports';
import type { Database } from './database';
import { channelIdentities } from './schema';

type IdentityRow = typeof channelIdentities.$inferSelect;

export function identityRepository(db: Database): IdentityRepository {
  // Every inbound message looks its sender up: built once and prepared on the server, not per call.
  const findByChannel = db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, sql.placeholder('channel')), eq(channelIdentities.externalId, sql.placeholder('externalId'))))
    .prepare('identity_find_by_channel');
  return {
    async upsert(identity) {
      const [row] = await db
        .insert(channelIdentities)
        .values(identity)
        .onConflictDoUpdate({
          target: [channelIdentities.channel, channelIdentities.externalId],
          set: {
            displayName: sql`coalesce(excluded.display_name, ${channelIdentities.displayName})`,
            locale: sql`coalesce(excluded.locale, ${channelIdentities.locale})`,
            // They wrote to us, so they can be reached again (they unblocked the bot).
            unreachable: false,
          },
        })
        .returning();
      if (!row) throw new Error('identity upsert returned no row');
      return toIdentity(row);
    },
    async bindStaff(identity, staffId) {
      const [row] = await db
        .insert(channelIdentities)
        .values({ ...identity, kind: 'staff', staffId })
        .onConflictDoUpdate({
          target: [channelIdentities.channel, channelIdentities.externalId],
          set: { kind: 'staff', staffId, unreachable: false },
        })
        .returning();
      if (!row) throw new Error('staff binding returned no row');
      return toIdentity(row);
    },
    async find(channel, externalId) {
      const [row] = await findByChannel.execute({ channel, externalId });
      return row ? toIdentity(row) : null;
    },
    async get(id) {
      const [row] = await db.select().from(channelIdentities).where(eq(channelIdentities.id, id));
      return row ? toIdentity(row) : null;
    },
    async listForStaff(staffId) {
      const rows = await db
        .select()
        .from(channelIdentities)
        .where(eq(channelIdentities.staffId, staffId))
        .orderBy(asc(channelIdentities.createdAt), asc(channelIdentities.id));
      return rows.map(toIdentity);
    },
    async markUnreachable(id) {
      await db.update(channelIdentities).set({ unreachable: true }).where(eq(channelIdentities.id, id));
    },
  };
}

function toIdentity(row: IdentityRow): ChannelIdentity {
  return {
    id: row.id,
    channel: row.channel,
    externalId: row.externalId,
    kind: row.kind as ChannelIdentity['kind'],
    staffId: row.staffId,
    displayName: row.displayName,
    locale: row.locale as ChannelIdentity['locale'],
    unreachable: row.unreachable,
  };
}
