import type { Actor, Case } from '../domain/case';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import { stopFirstResponseClocks } from './case-clocks';
import type { CaseServiceDeps } from './case-service';
import { lockCase, saveCase } from './load-case';
import { requiredText } from './required-text';

export interface ReplyInput {
  caseId: string;
  actor: Actor;
  /** Sent to the complainant's chat as written, shown in their script. */
  text: string;
}

/** Staff write to the complainant; the first such message meets the first-contact and department-answer limits. */
export async function replyToComplainant(deps: CaseServiceDeps, input: ReplyInput, now: Date): Promise<Case> {
  const text = requiredText(input.text, 'CASE.REPLY_EMPTY', 'The reply is empty; write what to tell the complainant.');
  const saved = await deps.store.transaction(async (repos) => {
    const record = await lockCase(repos, input.caseId);
    if (!record.complainantIdentityId) {
      throw new DomainError('CASE.NO_CHAT_COMPLAINANT', `Case ${record.number} was not filed from a chat, so there is nobody to reply to there; call the complainant on the number recorded with the case.`, {
        caseId: record.id,
      });
    }
    const saved = await saveCase(repos, { ...record, sla: stopFirstResponseClocks(deps.calendar, record.sla, now), updatedAt: now });
    await repos.events.append([{ caseId: saved.id, at: now, type: 'replied', actor: input.actor, data: { text } }]);
    await repos.outbox.add([
      { caseId: saved.id, recipient: { kind: 'identity', identityId: record.complainantIdentityId }, kind: 'staff_reply', payload: { number: saved.number, text } },
    ]);
    return saved;
  });
  const event: DomainEvent = { type: 'CaseReplied', caseId: saved.id, number: saved.number, staffId: input.actor.kind === 'staff' ? input.actor.staffId : null, at: now };
  await deps.events.publish([event]);
  return saved;
}
