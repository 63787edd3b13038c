import { eq } from 'drizzle-orm';
import type { Department, DepartmentRepository } from '../application/ports';
import type { Database } from './database';
import { departments } from './schema';

type DepartmentRow = typeof departments.$inferSelect;

export function departmentRepository(db: Database): DepartmentRepository {
  return {
    async ensure(list) {
      if (list.length === 0) return;
      await db
        .insert(departments)
        .values(list.map((d) => ({ id: d.id, name: d.name })))
        .onConflictDoNothing({ target: departments.id });
    },
    async get(id) {
      const [row] = await db.select().from(departments).where(eq(departments.id, id));
      return row ? toDepartment(row) : null;
    },
    async list() {
      return (await db.select().from(departments).orderBy(departments.id)).map(toDepartment);
    },
    async insert(department) {
      const [row] = await db.insert(departments).values({ id: department.id, name: department.name }).returning();
      if (!row) throw new Error('department insert returned no row');
      return toDepartment(row);
    },
    async update(id, changes) {
      if (Object.keys(changes).length === 0) return this.get(id);
      const [row] = await db.update(departments).set(changes).where(eq(departments.id, id)).returning();
      return row ? toDepartment(row) : null;
    },
    async setManager(id, staffId) {
      await db.update(departments).set({ managerStaffId: staffId }).where(eq(departments.id, id));
    },
  };
}

function toDepartment(row: DepartmentRow): Department {
  return { id: row.id, name: row.name, managerStaffId: row.managerStaffId, active: row.active };
}
