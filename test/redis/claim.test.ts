import type { Redis } from 'ioredis';
import { claimOrRead, renewWhileHeld } from '../../src/redis/claim';
import { openTestRedis } from '../support/redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: Redis;
let destroy: () => Promise<void>;

beforeEach(async () => {
  ({ client: redis, destroy } = await openTestRedis());
});
afterEach(async () => destroy());

describe('claimOrRead', () => {
  it('takes a free key, storing the value with the expiry', async () => {
    expect(await claimOrRead(redis, 'update:1', 'running', 60_000)).toBeNull();
    expect(await redis.get('update:1')).toBe('running');
    expect(await redis.ttl('update:1')).toBeGreaterThan(55);
  });

  it('leaves a held key as it is and tells what it holds', async () => {
    await redis.set('update:2', 'done', 'EX', 3600);
    expect(await claimOrRead(redis, 'update:2', 'running', 60_000)).toBe('done');
    expect(await redis.get('update:2')).toBe('done');
    expect(await redis.ttl('update:2')).toBeGreaterThan(3500);
  });

  it('lets exactly one of many simultaneous claims win', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => claimOrRead(redis, 'update:3', `try-${n}`, 60_000)));
    const winners = answers.filter((answer) => answer === null);
    expect(winners).toHaveLength(1);
    const held = await redis.get('update:3');
    expect(new Set(answers.filter((answer) => answer !== null))).toEqual(new Set([held]));
  });

  it('can be claimed again once a claim has lapsed', async () => {
    expect(await claimOrRead(redis, 'update:4', 'running', 40)).toBeNull();
    await sleep(80);
    expect(await claimOrRead(redis, 'update:4', 'running', 40)).toBeNull();
  });
});

describe('renewWhileHeld', () => {
  it('keeps a claim past its lease while the holder works, and lets it lapse once stopped', async () => {
    expect(await claimOrRead(redis, 'work:1', 'running', 400)).toBeNull();
    const stop = renewWhileHeld(redis, 'work:1', 'running', 400);
    await sleep(1200);
    expect(await redis.get('work:1')).toBe('running');
    stop();
    await sleep(600);
    expect(await redis.get('work:1')).toBeNull();
  });

  it('leaves alone a key that no longer holds the holder\'s value', async () => {
    await redis.set('work:2', 'theirs', 'PX', 200);
    const stop = renewWhileHeld(redis, 'work:2', 'mine', 400);
    await sleep(600);
    stop();
    expect(await redis.get('work:2')).toBeNull();
    await redis.set('work:3', 'done', 'EX', 3600);
    const stopDone = renewWhileHeld(redis, 'work:3', 'running', 400);
    await sleep(300);
    stopDone();
    expect(await redis.ttl('work:3')).toBeGreaterThan(3500);
  });
});
