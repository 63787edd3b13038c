import type { Redis } from 'ioredis';

/**
 * One channel's send schedule, kept in Redis so that every worker process shares it (and Redis'
 * clock). Telegram answers 429 to more than 30 messages in any rolling second, or more than one a
 * second to one chat (PROTOCOLS.md); a fixed-window limiter lets a second that straddles two
 * windows see nearly twice its max, so this one books each message a slot on a rolling window.
 *
 * A slot is the earliest time that keeps at least windowMs/max between slots (evenly spaced, no
 * bursts), at most `max` slots in any rolling `windowMs`, and the chat's own gap. When the send
 * actually starts, `confirm` moves the slot to that time, so a late timer or a stalled event loop
 * pushes the following slots back instead of squeezing sends closer than planned.
 *
 * Between its messages a job holds the chat (a lease, released when the job ends), so that another
 * job's message cannot slip in between the parts of a long reply.
 */
export interface SendPacer {
  /** Books the next slot for one message to `chat` on behalf of `holder` (the job), or says why not. */
  reserve(chat: string, holder: string): Promise<PaceAnswer>;
  /** The send for this slot starts now; later slots are computed from now if it is late. */
  confirm(chat: string, slot: string): Promise<void>;
  /** The job is done with the chat (sent, failed or delayed): other jobs may take it. */
  release(chat: string, holder: string): Promise<void>;
  /** The channel answered "too many requests": nothing more to this chat, or to anyone (`channel`), for `ms`. */
  hold(chat: string, ms: number, scope: 'chat' | 'channel'): Promise<void>;
}

export type PaceAnswer =
  /** Send in `waitMs`, then confirm `slot`. */
  | { kind: 'reserved'; waitMs: number; slot: string }
  /** Another job is sending to this chat; ask again in `waitMs` (nothing was booked). */
  | { kind: 'chatBusy'; waitMs: number }
  /** The chat's last message was too recent; it is free in `waitMs` (nothing booked, but the chat is held for this job). */
  | { kind: 'chatNotYet'; waitMs: number }
  /** The channel is booked further ahead than `aheadMs`; ask again in `waitMs` (nothing was booked). */
  | { kind: 'scheduleFull'; waitMs: number };

export interface SendPacerOptions {
  /** Keys are `${keyPrefix}:slots` and `${keyPrefix}:chat:<chat>`. */
  keyPrefix: string;
  /** At most `max` messages in any rolling `windowMs` over the channel. */
  max: number;
  windowMs: number;
  /** At least this long between two messages to one chat. */
  chatGapMs: number;
  /**
   * How far ahead a slot may be booked. Bounds how many booked slots a late send can no longer move
   * (those booked before it confirmed); several worker processes would otherwise book far ahead.
   */
  aheadMs: number;
  /** How long a job's hold on a chat outlives its last booked slot when it never releases it (a crash). */
  leaseMs: number;
}

// Redis' clock in milliseconds: the same for every worker process.
const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

// KEYS: slots (sorted set, score = send time), chat (hash: free, holder, until).
// ARGV: slot id, holder, max, windowMs, chatGapMs, aheadMs, leaseMs.
const RESERVE = `${NOW}
local id, holder = ARGV[1], ARGV[2]
local max, window, gap = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ahead, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local chat = redis.call('HMGET', KEYS[2], 'free', 'holder', 'until')
local free = tonumber(chat[1]) or 0
if chat[2] and chat[2] ~= holder and (tonumber(chat[3]) or 0) > now then
  return {'chatBusy', math.ceil(math.max(free - now, 50))}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local slot = now
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then slot = math.max(slot, tonumber(last[2]) + window / max) end
local nth = redis.call('ZRANGE', KEYS[1], -max, -max, 'WITHSCORES')
if nth[2] then slot = math.max(slot, tonumber(nth[2]) + window) end
local function hold(untilMs)
  redis.call('HSET', KEYS[2], 'holder', holder, 'until', untilMs)
  redis.call('PEXPIRE', KEYS[2], math.ceil(untilMs - now))
end
if free > slot then
  -- Booking the chat's time would leave the channel's slots before it unused: come back then.
  hold(free + lease)
  return {'chatNotYet', math.ceil(free - now)}
end
if slot - now > ahead then return {'scheduleFull', math.ceil(slot - now - ahead)} end
redis.call('ZADD', KEYS[1], slot, id)
redis.call('PEXPIRE', KEYS[1], math.ceil(slot - now + window + 1000))
redis.call('HSET', KEYS[2], 'free', slot + gap)
hold(slot + gap + lease)
return {'reserved', math.ceil(slot - now)}`;

// KEYS: slots, chat. ARGV: slot id, chatGapMs, leaseMs.
const CONFIRM = `${NOW}
local gap, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
local booked = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not booked or booked < now then redis.call('ZADD', KEYS[1], now, ARGV[1]) end
if (tonumber(redis.call('HGET', KEYS[2], 'free')) or 0) < now + gap then
  redis.call('HSET', KEYS[2], 'free', now + gap, 'until', now + gap + lease)
  redis.call('PEXPIRE', KEYS[2], gap + lease)
end
return 0`;

// KEYS: chat. ARGV: holder.
const RELEASE = `if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('HDEL', KEYS[1], 'holder', 'until') end
return 0`;

// KEYS: slots, chat. ARGV: ms, whole channel (1/0), max, windowMs.
const HOLD = `${NOW}
local ms = tonumber(ARGV[1])
if (tonumber(redis.call('HGET', KEYS[2], 'free')) or 0) < now + ms then
  redis.call('HSET', KEYS[2], 'free', now + ms)
  redis.call('PEXPIRE', KEYS[2], math.max(redis.call('PTTL', KEYS[2]), ms + 1000))
end
if ARGV[2] == '1' then
  -- A phantom slot that the next one must follow by the usual spacing: nothing goes out before now + ms.
  local at = now + ms - tonumber(ARGV[4]) / tonumber(ARGV[3])
  local booked = tonumber(redis.call('ZSCORE', KEYS[1], 'hold')) or 0
  if booked < at then redis.call('ZADD', KEYS[1], at, 'hold') end
  redis.call('PEXPIRE', KEYS[1], math.ceil(ms + tonumber(ARGV[4]) + 1000))
end
return 0`;

interface PacerCommands {
  sendPacerReserve(slots: string, chat: string, ...args: Array<string | number>): Promise<[PaceAnswer['kind'], number]>;
  sendPacerConfirm(slots: string, chat: string, ...args: Array<string | number>): Promise<number>;
  sendPacerRelease(chat: string, holder: string): Promise<number>;
  sendPacerHold(slots: string, chat: string, ...args: Array<string | number>): Promise<number>;
}

/** Needs a connection without an ioredis keyPrefix, or with the same one everywhere the pacer is used. */
export function createSendPacer(connection: Redis, options: SendPacerOptions): SendPacer {
  const { max, windowMs, chatGapMs, aheadMs, leaseMs } = options;
  if (!(max >= 1) || !(windowMs > 0) || !(chatGapMs >= 0)) throw new Error('send pacer: max must be at least 1 and windows positive');
  const redis = defineCommands(connection);
  const slotsKey = `${options.keyPrefix}:slots`;
  const chatKey = (chat: string) => `${options.keyPrefix}:chat:${chat}`;
  let sequence = 0;

  return {
    async reserve(chat, holder) {
      const slot = `${holder}:${process.pid}:${Date.now()}:${sequence++}`;
      const [kind, waitMs] = await redis.sendPacerReserve(slotsKey, chatKey(chat), slot, holder, max, windowMs, chatGapMs, aheadMs, leaseMs);
      return kind === 'reserved' ? { kind, waitMs, slot } : { kind, waitMs };
    },
    async confirm(chat, slot) {
      await redis.sendPacerConfirm(slotsKey, chatKey(chat), slot, chatGapMs, leaseMs);
    },
    async release(chat, holder) {
      await redis.sendPacerRelease(chatKey(chat), holder);
    },
    async hold(chat, ms, scope) {
      await redis.sendPacerHold(slotsKey, chatKey(chat), Math.max(1, Math.ceil(ms)), scope === 'channel' ? 1 : 0, max, windowMs);
    },
  };
}

function defineCommands(connection: Redis): Redis & PacerCommands {
  const redis = connection as Redis & Partial<PacerCommands>;
  // Defined once per connection; ioredis sends EVALSHA and falls back to EVAL after a script flush.
  if (!redis.sendPacerReserve) {
    connection.defineCommand('sendPacerReserve', { numberOfKeys: 2, lua: RESERVE });
    connection.defineCommand('sendPacerConfirm', { numberOfKeys: 2, lua: CONFIRM });
    connection.defineCommand('sendPacerRelease', { numberOfKeys: 1, lua: RELEASE });
    connection.defineCommand('sendPacerHold', { numberOfKeys: 2, lua: HOLD });
  }
  return redis as Redis & PacerCommands;
}
