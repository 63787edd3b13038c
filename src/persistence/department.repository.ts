import { eq } from 'drizzle-orm';
import type { DepartmentRepository } from '../application/ports';
import type { Database } from './database';
import { departments } from './schema';

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
      return row ? { id: row.id, name: row.name, managerStaffId: row.managerStaffId, active: row.active } : null;
    },
    async setManager(id, staffId) {
      await db.update(departments).set({ managerStaffId: staffId }).where(eq(departments.id, id));
    },
  };
}
