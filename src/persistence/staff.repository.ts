import { and, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../domain/case-lifecycle';
import type { Staff, StaffRepository } from '../application/ports';
import type { Database } from './database';
import { cases, staff } from './schema';

type StaffRow = typeof staff.$inferSelect;

export function staffRepository(db: Database): StaffRepository {
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
  };
}

function toStaff(row: StaffRow): Staff {
  return {
    id: row.id,
    name: row.name,
    departmentId: row.departmentId,
    role: row.role as Staff['role'],
    active: row.active,
  };
}
