import type { Reply } from '../../conversation/messages';
import type { Logger } from '../../logger';
import type { LedgerEntry, ReplyLedger } from './reply-ledger';

/** One message of a platform that retries a callback it got no answer to (WeChat, WeCom). */
export interface RetriedMessage {
  /** The message's key in the ledger, the same for every try of it. */
  key: string;
  /** Handles the message; runs once across all tries, in whichever process gets there first. */
  respond(): Promise<Reply[]>;
  /** The one text a passive answer carries for these replies; empty when there is nothing to say. */
  passiveText(replies: Reply[]): string;
  /** Delivers replies that were not ready within the budget, as a pushed message. */
  sendLater(replies: Reply[]): Promise<void>;
}

/** `text` goes back passively ('' for the platform's empty "taken" answer); `failed` asks for a retry. */
export type RetriedAnswer = { kind: 'answer'; text: string } | { kind: 'failed' };

export interface AnswerOnce {
  answer(message: RetriedMessage): Promise<RetriedAnswer>;
  /** Resolves once replies still being worked on past the budget have been delivered (shutdown, tests). */
  drain(): Promise<void>;
}

// How often a retry looks whether the try it found running has finished, or lapsed after a crash.
const WAIT_STEP_MS = 100;
// A message that fails after the platform was answered will not be sent again: it is tried again
// here, for about a minute (a database or Redis restart), with its claim kept meanwhile.
const LATE_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers each message once within `budgetMs`, however many times and to whichever process it is
 * delivered. The first try claims it in the ledger and answers passively if the replies are ready in
 * time, else answers empty and sends them later. A try that finds the message running waits, for the
 * rest of its budget, for that try's outcome: its text, or empty if it sends later. A crashed try
 * stops renewing its claim; the claim lapses, and the waiting try handles the message itself.
 */
export function answerOnce(deps: { ledger: ReplyLedger; budgetMs: number; log: Logger; lateRetryDelaysMs?: readonly number[] }): AnswerOnce {
  const { ledger, budgetMs, log } = deps;
  const lateRetryDelaysMs = deps.lateRetryDelaysMs ?? LATE_RETRY_DELAYS_MS;
  const late = new Set<Promise<void>>();

  async function claimOrAwait(key: string, deadline: number): Promise<LedgerEntry | null> {
    for (;;) {
      const entry = await ledger.claim(key);
      if (entry?.state !== 'running' || Date.now() >= deadline) return entry;
      await sleep(Math.min(WAIT_STEP_MS, deadline - Date.now()));
    }
  }

  /** The replies of a message already answered empty: no retry will come, so a failure is retried here. */
  async function lateReplies(message: RetriedMessage, running: Promise<Reply[]>): Promise<Reply[]> {
    let attempt = running;
    for (const delayMs of lateRetryDelaysMs) {
      try {
        return await attempt;
      } catch (error) {
        log.warn({ err: error, key: message.key, retryInMs: delayMs }, 'message failed after the platform was answered; trying again');
      }
      await sleep(delayMs);
      attempt = message.respond();
    }
    return attempt;
  }

  /** After the empty answer went out: keep the reply for retries, then push it. */
  function deliverLate(message: RetriedMessage, running: Promise<Reply[]>, stopRenewing: () => void): void {
    const { key } = message;
    const delivery = lateReplies(message, running)
      .then(async (replies) => {
        const text = message.passiveText(replies);
        if (!text) return ledger.done(key, '');
        // Marked before sending: a retry arriving meanwhile must not carry the same reply passively.
        await ledger.sent(key);
        try {
          await message.sendLater(replies);
        } catch (error) {
          await ledger.done(key, text);
          throw error;
        }
      })
      .catch(async (error: unknown) => {
        log.error({ err: error, key }, 'reply after the 5-second window failed');
        if ((await ledger.get(key))?.state === 'running') await ledger.release(key);
      })
      .catch((error: unknown) => log.error({ err: error, key }, 'could not release a failed message'))
      .finally(() => {
        stopRenewing();
        late.delete(delivery);
      });
    late.add(delivery);
  }

  return {
    async answer(message) {
      const { key } = message;
      const deadline = Date.now() + budgetMs;
      const entry = await claimOrAwait(key, deadline);
      // Answered before: the same text. Sent later, or still running in a live process: that try delivers it.
      if (entry) return { kind: 'answer', text: entry.state === 'done' ? entry.text : '' };
      const stopRenewing = ledger.keepRunning(key);
      const running = message.respond();
      let outcome: { replies: Reply[] } | 'overBudget';
      try {
        outcome = await withinBudget(running, deadline - Date.now());
      } catch (error) {
        stopRenewing();
        await ledger.release(key);
        log.error({ err: error, key }, 'message failed; the platform retries it');
        return { kind: 'failed' };
      }
      if (outcome === 'overBudget') {
        deliverLate(message, running, stopRenewing);
        return { kind: 'answer', text: '' };
      }
      const text = message.passiveText(outcome.replies);
      try {
        await ledger.done(key, text);
      } finally {
        stopRenewing();
      }
      return { kind: 'answer', text };
    },

    async drain() {
      while (late.size > 0) await Promise.allSettled([...late]);
    },
  };
}

function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<{ replies: T } | 'overBudget'> {
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<'overBudget'>((resolve) => {
    timer = setTimeout(() => resolve('overBudget'), Math.max(0, budgetMs));
  });
  return Promise.race([work.then((replies) => ({ replies })), overBudget]).finally(() => clearTimeout(timer));
}
