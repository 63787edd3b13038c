import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { OPEN_STATUSES } from '../domain/case-lifecycle';
import type { Staff, StaffCredentials, StaffRepository } from '../application/ports';
import type { Database } from './database';
import { cases, staff } from './schema';

type StaffRow = typeof staff.$inferSelect;

export function staffRepository(db: Database): StaffRepository {
  const credentialsWhere = async (where: SQL): Promise<StaffCredentials | null> => {
    const [row] = await db.select().from(staff).where(where);
    return row ? { staff: toStaff(row), passwordHash: row.passwordHash, sessionGeneration: row.sessionGeneration } : null;
  };
  return {
    async insert(member) {
      const [row] = await db.insert(staff).values(member).returning();
      if (!row) throw new Error('staff insert returned no row');
      return toStaff(row);
    },
    async get(id) {
      const [row] = await db.select().from(staff).where(eq(staff.id, id));
      return row ? toStaff(row) : null;
    },
    async list(filter = {}) {
      const conditions = [
        filter.departmentId !== undefined ? eq(staff.departmentId, filter.departmentId) : undefined,
        filter.role !== undefined ? eq(staff.role, filter.role) : undefined,
        filter.active !== undefined ? eq(staff.active, filter.active) : undefined,
      ];
      const rows = await db.select().from(staff).where(and(...conditions)).orderBy(staff.name, staff.id);
      return rows.map(toStaff);
    },
    async update(id, changes) {
      if (Object.keys(changes).length === 0) return this.get(id);
      const [row] = await db.update(staff).set(changes).where(eq(staff.id, id)).returning();
      return row ? toStaff(row) : null;
    },
    async candidates(departmentId) {
      const openCases = sql<number>`count(${cases.id})::int`;
      const rows = await db
        .select({ id: staff.id, name: staff.name, departmentId: staff.departmentId, active: staff.active, openCases })
        .from(staff)
        .leftJoin(cases, and(eq(cases.assigneeId, staff.id), inArray(cases.status, [...OPEN_STATUSES])))
        // Agents take cases; supervisors and managers oversee them.
        .where(and(eq(staff.departmentId, departmentId), eq(staff.role, 'agent')))
        .groupBy(staff.id);
      return rows.map((row) => ({ ...row, departmentId: row.departmentId ?? departmentId, openCases: Number(row.openCases) }));
    },
    async supervisors(departmentId) {
      const rows = await db
        .select()
        .from(staff)
        .where(and(eq(staff.role, 'supervisor'), eq(staff.active, true), departmentId === null ? isNull(staff.departmentId) : eq(staff.departmentId, departmentId)))
        .orderBy(staff.name, staff.id);
      return rows.map(toStaff);
    },
    credentialsByUsername: (username) => credentialsWhere(eq(staff.username, username)),
    credentials: (id) => credentialsWhere(eq(staff.id, id)),
    async setPassword(id, passwordHash) {
      await db.update(staff).set({ passwordHash }).where(eq(staff.id, id));
    },
    async revokeTokens(id) {
      await db.update(staff).set({ sessionGeneration: sql`${staff.sessionGeneration} + 1` }).where(eq(staff.id, id));
    },
    async countByRole(role) {
      const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(staff).where(eq(staff.role, role));
      return Number(row?.count ?? 0);
    },
  };
}

function toStaff(row: StaffRow): Staff {
  return {
    id: row.id,
    name: row.name,
    departmentId: row.departmentId,
    role: row.role as Staff['role'],
    active: row.active,
    username: row.username,
  };
}
