import type { Case } from '../domain/case';
import { DomainError } from '../domain/errors';
import type { Repositories } from './ports';

/** Reads and locks a case inside a use case's transaction, or says it does not exist. */
export async function lockCase(repos: Repositories, caseId: string): Promise<Case> {
  const found = await repos.cases.getForUpdate(caseId);
  if (!found) throw new DomainError('CASE.NOT_FOUND', `No case with id ${caseId}; check the id or search by case number.`, { caseId });
  return found;
}

/** Saves a locked case; the row lock makes a version mismatch a programming error, not a race. */
export async function saveCase(repos: Repositories, record: Case): Promise<Case> {
  if (!(await repos.cases.update(record))) {
    throw new DomainError('CASE.CONCURRENT_CHANGE', `Case ${record.number} was changed by someone else; reload it and try again.`, {
      caseId: record.id,
    });
  }
  return { ...record, version: record.version + 1 };
}
