import { createWechatyChannel, WechatyChannelError } from '../../../src/channels/wechaty/wechaty.channel';
import { createLogger } from '../../../src/logger';
import type { WechatyChannelDeps } from '../../../src/channels/wechaty/wechaty.channel';

describe('loading wechaty', () => {
  it('happens at start, not when the channel is created, and a missing package says what to do', async () => {
    let loaded = false;
    jest.doMock('wechaty', () => {
      loaded = true;
      throw new Error("Cannot find module 'wechaty'");
    });
    const channel = createWechatyChannel({ puppet: 'wechaty-puppet-wechat4u', attachmentsDir: '/nonexistent' }, { logger: createLogger('silent') } as unknown as WechatyChannelDeps);
    expect(loaded).toBe(false);

    const started = channel.start().then(
      () => null,
      (error: unknown) => error,
    );
    const error = await started;
    expect(loaded).toBe(true);
    expect(error).toBeInstanceOf(WechatyChannelError);
    expect(error).toMatchObject({ code: 'WECHATY.NOT_INSTALLED', message: expect.stringContaining('unset WECHATY_PUPPET') });
  });
});
