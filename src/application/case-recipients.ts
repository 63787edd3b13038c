import type { Case } from '../domain/case';
import type { Repositories } from './ports';

type Lookups = Pick<Repositories, 'staff' | 'departments'>;

/** The department's manager, when there is one and they still work here. */
export async function departmentManager(repos: Lookups, departmentId: string | null): Promise<string[]> {
  const department = departmentId ? await repos.departments.get(departmentId) : null;
  const manager = department?.managerStaffId ? await repos.staff.get(department.managerStaffId) : null;
  return manager?.active ? [manager.id] : [];
}

/** Organisation-wide supervisors: the leadership that major cases go to (policy §5). */
export async function leadership(repos: Lookups): Promise<string[]> {
  return (await repos.staff.supervisors(null)).map((member) => member.id);
}

/**
 * Who hears of a missed deadline: the department's supervisors and its manager; when the
 * department has neither, the leadership, so that an escalation always reaches someone.
 */
export async function overseers(repos: Lookups, departmentId: string | null): Promise<string[]> {
  const supervisors = departmentId ? (await repos.staff.supervisors(departmentId)).map((member) => member.id) : [];
  const found = distinct([...supervisors, ...(await departmentManager(repos, departmentId))]);
  return found.length > 0 ? found : leadership(repos);
}

/** Who is warned of a deadline coming up: whoever handles the case, else those who oversee it. */
export async function handlers(repos: Lookups, record: Pick<Case, 'assigneeId' | 'departmentId'>): Promise<string[]> {
  if (record.assigneeId) return [record.assigneeId];
  const supervisors = record.departmentId ? (await repos.staff.supervisors(record.departmentId)).map((member) => member.id) : [];
  return supervisors.length > 0 ? supervisors : overseers(repos, record.departmentId);
}

export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
