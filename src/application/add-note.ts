import type { Actor } from '../domain/case';
import { DomainError } from '../domain/errors';
import type { CaseServiceDeps } from './case-service';

/** An internal note on the timeline; the complainant never sees it. */
export async function addNote(deps: CaseServiceDeps, input: { caseId: string; actor: Actor; text: string }, now: Date): Promise<void> {
  const text = input.text.trim();
  if (!text) throw new DomainError('NOTE.EMPTY', 'The note is empty; write something to add.');
  const record = await deps.store.transaction(async (repos) => {
    const found = await repos.cases.get(input.caseId);
    if (!found) throw new DomainError('CASE.NOT_FOUND', `No case with id ${input.caseId}.`, { caseId: input.caseId });
    await repos.events.append([{ caseId: found.id, at: now, type: 'note', actor: input.actor, data: { text, internal: true } }]);
    return found;
  });
  await deps.events.publish([{ type: 'CaseNoteAdded', caseId: record.id, number: record.number, at: now }]);
}
