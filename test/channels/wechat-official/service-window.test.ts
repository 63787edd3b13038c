import type { Redis } from 'ioredis';
import { createServiceWindow, type ServiceWindow } from '../../../src/channels/wechat-official/service-window';
import { openTestRedis } from '../../support/redis';

const t0 = new Date('2026-03-02T09:00:00+08:00');
const after = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;

describe('WeChat customer-service window', () => {
  let redis: { client: Redis; destroy(): Promise<void> };
  let window: ServiceWindow;

  beforeEach(async () => {
    redis = await openTestRedis();
    window = createServiceWindow({ redis: redis.client });
  });
  afterEach(async () => {
    await redis.destroy();
  });

  async function consumeAll(openid: string, at: Date): Promise<number> {
    let sent = 0;
    while (await window.tryConsume(openid, at)) sent += 1;
    return sent;
  }

  it('is closed until the user writes', async () => {
    expect(await window.tryConsume('alice', t0)).toBe(false);
    expect(await window.remaining('alice', t0)).toBe(0);
  });

  it('allows 5 messages within 48 hours of a user message', async () => {
    await window.recordInbound('alice', t0, 'message');
    expect(await window.remaining('alice', after(HOUR))).toBe(5);
    expect(await consumeAll('alice', after(HOUR))).toBe(5);
    expect(await window.remaining('alice', after(HOUR))).toBe(0);

    // A new message starts a fresh window and quota; the window ends 48 hours after it.
    await window.recordInbound('alice', after(2 * HOUR), 'message');
    expect(await window.tryConsume('alice', after(50 * HOUR - 1))).toBe(true);
    expect(await window.tryConsume('alice', after(50 * HOUR))).toBe(false);
    expect(await window.remaining('alice', after(50 * HOUR))).toBe(0);
  });

  it('gives 3 messages within a minute of a menu click, spent before the 48-hour quota', async () => {
    await window.recordInbound('bob', t0, 'menu');
    expect(await consumeAll('bob', after(59_999))).toBe(3);

    await window.recordInbound('carol', t0, 'menu');
    expect(await window.tryConsume('carol', after(60_000))).toBe(false);

    await window.recordInbound('dave', t0, 'message');
    await window.recordInbound('dave', after(HOUR), 'menu');
    expect(await window.remaining('dave', after(HOUR))).toBe(8);
    expect(await consumeAll('dave', after(HOUR))).toBe(8);
    await window.recordInbound('frank', t0, 'message');
    await window.recordInbound('frank', after(HOUR), 'menu');
    await window.tryConsume('frank', after(HOUR));
    // The message taken came from the menu grant: all 5 of the 48-hour quota are left.
    expect(await window.remaining('frank', after(HOUR + 60_000))).toBe(5);
  });

  it('ignores a late retry of an older message', async () => {
    await window.recordInbound('alice', after(HOUR), 'message');
    expect(await consumeAll('alice', after(HOUR))).toBe(5);
    await window.recordInbound('alice', t0, 'message');
    expect(await window.tryConsume('alice', after(HOUR))).toBe(false);
  });

  it('stays closed after markClosed until the user writes again', async () => {
    await window.recordInbound('alice', t0, 'message');
    await window.recordInbound('alice', t0, 'menu');
    await window.markClosed('alice');
    expect(await window.tryConsume('alice', t0)).toBe(false);
    await window.recordInbound('alice', t0, 'message');
    expect(await window.tryConsume('alice', t0)).toBe(false);
    await window.recordInbound('alice', after(1), 'message');
    expect(await window.tryConsume('alice', after(1))).toBe(true);
  });

  it('hands out exactly the quota to concurrent senders in two processes', async () => {
    const other = redis.client.duplicate();
    try {
      const otherWindow = createServiceWindow({ redis: other });
      await window.recordInbound('alice', t0, 'message');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? window : otherWindow).tryConsume('alice', t0)));
      expect(results.filter(Boolean)).toHaveLength(5);
    } finally {
      await other.quit();
    }
  });

  it('expires its keys after the longest window', async () => {
    await window.recordInbound('alice', t0, 'message');
    const ttl = await redis.client.pttl('wx-window:alice');
    expect(ttl).toBeGreaterThan(48 * HOUR);
    expect(ttl).toBeLessThanOrEqual(49 * HOUR);
  });
});
