import type { Redis } from 'ioredis';
import { claimOrRead } from '../../src/redis/claim';
import { openTestRedis } from '../support/redis';

describe('claimOrRead', () => {
  let redis: Redis;
  let destroy: () => Promise<void>;

  beforeEach(async () => {
    ({ client: redis, destroy } = await openTestRedis());
  });
  afterEach(async () => destroy());

  it('takes a free key, storing the value with the expiry', async () => {
    expect(await claimOrRead(redis, 'update:1', 'running', 60)).toBeNull();
    expect(await redis.get('update:1')).toBe('running');
    expect(await redis.ttl('update:1')).toBeGreaterThan(55);
  });

  it('leaves a held key as it is and tells what it holds', async () => {
    await redis.set('update:2', 'done', 'EX', 3600);
    expect(await claimOrRead(redis, 'update:2', 'running', 60)).toBe('done');
    expect(await redis.get('update:2')).toBe('done');
    expect(await redis.ttl('update:2')).toBeGreaterThan(3500);
  });

  it('lets exactly one of many simultaneous claims win', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => claimOrRead(redis, 'update:3', `try-${n}`, 60)));
    const winners = answers.filter((answer) => answer === null);
    expect(winners).toHaveLength(1);
    const held = await redis.get('update:3');
    expect(new Set(answers.filter((answer) => answer !== null))).toEqual(new Set([held]));
  });

  it('can be claimed again once a claim has lapsed', async () => {
    expect(await claimOrRead(redis, 'update:4', 'running', 1)).toBeNull();
    await redis.pexpire('update:4', 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await claimOrRead(redis, 'update:4', 'running', 1)).toBeNull();
  });
});
