import type { Case } from '../domain/case';
import { handleSystemInput, type ConversationDeps } from './conversation-service';
import type { Repositories } from './ports';

/**
 * Puts a question (a rating, a request for information) to the complainant's conversation, so
 * their next message answers it; the replies leave through the outbox. Returns false when the
 * case has nobody to ask in chat.
 */
export async function tellComplainant(
  deps: ConversationDeps,
  repos: Pick<Repositories, 'identities' | 'outbox'>,
  record: Pick<Case, 'id' | 'complainantIdentityId'>,
  input: Parameters<typeof handleSystemInput>[2],
  now: Date,
): Promise<boolean> {
  if (!record.complainantIdentityId) return false;
  const identity = await repos.identities.get(record.complainantIdentityId);
  if (!identity) return false;
  const replies = await handleSystemInput(deps, { channel: identity.channel, externalId: identity.externalId }, input, now);
  await repos.outbox.add([{ caseId: record.id, recipient: { kind: 'identity', identityId: identity.id }, kind: 'chat_replies', payload: { replies } }]);
  return true;
}
