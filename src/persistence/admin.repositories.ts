import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { ApiToken, ApiTokenRepository, AuditRepository, RoutingRuleRepository, SettingsRepository } from '../application/ports';
import type { Database } from './database';
import { apiTokens, appSettings, auditLog, routingRules } from './schema';

export function routingRuleRepository(db: Database): RoutingRuleRepository {
  return {
    async list() {
      return db.select({ category: routingRules.category, departmentId: routingRules.departmentId }).from(routingRules).orderBy(routingRules.category);
    },
    async set(rule) {
      await db
        .insert(routingRules)
        .values({ ...rule, updatedAt: new Date() })
        .onConflictDoUpdate({ target: routingRules.category, set: { departmentId: rule.departmentId, updatedAt: new Date() } });
      return rule;
    },
    async remove(category) {
      const removed = await db.delete(routingRules).where(eq(routingRules.category, category)).returning({ category: routingRules.category });
      return removed.length > 0;
    },
  };
}

type ApiTokenRow = typeof apiTokens.$inferSelect;

export function apiTokenRepository(db: Database): ApiTokenRepository {
  return {
    async insert(token) {
      const [row] = await db.insert(apiTokens).values(token).returning();
      if (!row) throw new Error('api token insert returned no row');
      return toApiToken(row);
    },
    async findActiveByHash(tokenHash) {
      const [row] = await db.select().from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
      return row ? toApiToken(row) : null;
    },
    async list() {
      return (await db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt))).map(toApiToken);
    },
    async revoke(id, at) {
      const revoked = await db.update(apiTokens).set({ revokedAt: at }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
      return revoked.length > 0;
    },
    async touch(id, at) {
      await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
    },
  };
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return { id: row.id, staffId: row.staffId, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt };
}

export function auditRepository(db: Database): AuditRepository {
  return {
    async add(entry) {
      await db.insert(auditLog).values(entry);
    },
    async list(query) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(
          and(
            query.caseId !== undefined ? eq(auditLog.caseId, query.caseId) : undefined,
            query.staffId !== undefined ? eq(auditLog.staffId, query.staffId) : undefined,
            query.action !== undefined ? eq(auditLog.action, query.action) : undefined,
            query.before !== undefined ? lt(auditLog.id, query.before) : undefined,
          ),
        )
        .orderBy(desc(auditLog.id))
        .limit(query.limit);
      return rows;
    },
  };
}

export function settingsRepository(db: Database): SettingsRepository {
  return {
    async getOrInsert(key, value) {
      await db.insert(appSettings).values({ key, value }).onConflictDoNothing({ target: appSettings.key });
      const [row] = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, key));
      if (!row) throw new Error(`setting ${key} vanished`);
      return row.value;
    },
  };
}

