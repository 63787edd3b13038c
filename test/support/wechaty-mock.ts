import type * as FileBoxModule from 'file-box';
import type * as MockModule from 'wechaty-puppet-mock';
import type { WechatyChannel } from '../../src/channels/wechaty/wechaty.channel';

// The CommonJS builds, as the channel loads wechaty itself (see loadWechaty): one copy of
// wechaty-puppet and file-box, whose classes wechaty checks instances against.
// file-box comes with wechaty and wechaty-puppet-mock; it is how a mock contact sends a photo.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PuppetMock, mock } = require('wechaty-puppet-mock') as typeof MockModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FileBox } = require('file-box') as typeof FileBoxModule;

type Mocker = InstanceType<typeof mock.Mocker>;
type ContactMock = ReturnType<Mocker['createContact']>;
type RoomMock = ReturnType<Mocker['createRoom']>;
type MessageMock = InstanceType<Mocker['MessageMock']>;

/** What a mock chat (a contact or a room) saw the bot say there, in order. */
function recordBotTexts(chat: ContactMock | RoomMock, botId: () => string): string[] {
  const said: string[] = [];
  chat.on('message', (message: MessageMock) => {
    // A contact also hears what it says itself; a room hears everyone.
    if (message.payload.talkerId === botId()) said.push(message.text() ?? '');
  });
  return said;
}

// wechaty-puppet's types.Message.Text and .Location.
const MESSAGE_TEXT = 7;
const MESSAGE_LOCATION = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A WeChat account on wechaty-puppet-mock: the puppet to hand the channel, the bot's own user,
 * and people and rooms that write to it. Every turn waits for the channel to finish answering.
 */
export function wechatyMock() {
  const mocker: Mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const botUser = mocker.createContact({ name: '客服小助手' });
  let channel: WechatyChannel | undefined;

  /** Waits for the bot to say something new here (or `quietMs` of silence), then for the channel to be idle. */
  async function settle(said: readonly string[], before: number, options: { quietMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.quietMs ?? 10_000);
    while (said.length === before && Date.now() < deadline) await sleep(20);
    await channel?.idle();
    if (options.quietMs === undefined && said.length === before) throw new Error('the bot said nothing');
  }

  return {
    puppet,
    mocker,
    botUser,
    /** Starts the channel on this puppet and logs the bot in. */
    async login(started: WechatyChannel): Promise<void> {
      channel = started;
      await started.start();
      mocker.login(botUser);
      for (let waited = 0; !puppet.isLoggedIn && waited < 5000; waited += 20) await sleep(20);
    },
    person(name: string) {
      const contact = mocker.createContact({ name });
      const said = recordBotTexts(contact, () => botUser.id);
      const turn = async (send: () => void, options: { quietMs?: number } = {}) => {
        const before = said.length;
        send();
        await settle(said, before, options);
        return said.slice(before);
      };
      return {
        contact,
        /** Everything the bot said to this person. */
        said,
        /** Writes to the bot; resolves with what the bot answered. */
        say: (text: string) => turn(() => contact.say(text).to(botUser)),
        /** Writes something the bot should not answer; resolves after a short silence. */
        sayUnanswered: (text: string) => turn(() => contact.say(text).to(botUser), { quietMs: 300 }),
        /** Shares a location; the mock puppet reads every location as the same address in Beijing. */
        shareLocation: () =>
          turn(() => {
            const id = `location-${contact.id}-${Date.now()}`;
            mocker.MessageMock.create({ id, talkerId: contact.id, listenerId: botUser.id, timestamp: Date.now(), type: MESSAGE_LOCATION });
            puppet.emit('message', { messageId: id });
          }),
        /** A message stamped `ageMs` ago, as puppets replay history on login; resolves after a short silence. */
        replayHistory: (text: string, ageMs: number) =>
          turn(() => {
            const id = `history-${contact.id}-${ageMs}`;
            mocker.MessageMock.create({ id, talkerId: contact.id, listenerId: botUser.id, timestamp: Date.now() - ageMs, type: MESSAGE_TEXT, text });
            puppet.emit('message', { messageId: id });
          }, { quietMs: 300 }),
        /** The puppet announces this person's last message again, as after a reconnect. */
        redeliverLast: () =>
          turn(() => {
            const last = [...mocker.cacheMessagePayload.values()].filter((message) => message.talkerId === contact.id).at(-1);
            if (!last) throw new Error('nothing to redeliver');
            puppet.emit('message', { messageId: last.id });
          }, { quietMs: 300 }),
        /** Sends a file; the mock puppet types it by its extension (.jpg an image, .mp4 a video, .pdf an attachment). */
        sendFile: (content: Buffer, name: string, options: { quietMs?: number } = {}) =>
          turn(() => contact.say(FileBox.fromBase64(content.toString('base64'), name)).to(botUser), options),
        sendPhoto: (content: Buffer, name = 'evidence.jpg') => turn(() => contact.say(FileBox.fromBase64(content.toString('base64'), name)).to(botUser)),
        /** Says text in a room, mentioning the bot when asked. */
        sayIn: (room: ReturnType<typeof roomOf>, text: string, options: { mention?: boolean; quietMs?: number } = {}) => {
          const before = room.said.length;
          contact.say(text, options.mention ? [botUser] : []).to(room.room);
          return settle(room.said, before, options.quietMs === undefined ? {} : { quietMs: options.quietMs }).then(() => room.said.slice(before));
        },
      };
    },
    room: (topic: string, members: ReadonlyArray<{ contact: ContactMock }>) => roomOf(topic, members),
  };

  function roomOf(topic: string, members: ReadonlyArray<{ contact: ContactMock }>) {
    const room = mocker.createRoom({ topic, memberIdList: [botUser.id, ...members.map((member) => member.contact.id)] });
    return { room, id: room.id, said: recordBotTexts(room, () => botUser.id) };
  }
}

export type WechatyMock = ReturnType<typeof wechatyMock>;
