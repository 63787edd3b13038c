import type { Person } from '../../application/conversation-service';
import type { InboundMessage } from '../../conversation/messages';
import type { WechatFields } from './xml';

/**
 * Menu keys the dialog understands (conversation/engine.ts, onEvent): configure the account's
 * custom menu with these as the `key` of its click buttons. Any other key shows the welcome.
 */
export const WECHAT_MENU_KEYS = ['complaint', 'suggestion', 'report', 'status', 'myCases', 'human'] as const;
export type WechatMenuKey = (typeof WECHAT_MENU_KEYS)[number];

/** A photo as WeChat announces it; the channel downloads it into an attachment before the dialog sees it. */
export interface WechatPhoto {
  kind: 'photo';
  mediaId: string;
  picUrl: string;
}

/** Why nothing reaches the dialog although the person did write; the channel may tell them. */
export type WechatUnsupported = 'voiceNotRecognized' | 'messageType';

export interface WechatInbound {
  person: Person;
  /** `ToUserName`: the account the message was sent to (its original id, gh_…). */
  accountId: string;
  /** `MsgId` for messages; sender, time, event and key for events, which have no MsgId. */
  dedupeKey: string;
  /** `CreateTime`: when the person acted. */
  sentAt: Date;
  /** null for what the dialog ignores (menu links, template receipts, …). */
  message: InboundMessage | WechatPhoto | null;
  unsupported?: WechatUnsupported;
  /**
   * What this opens of the customer-service window (PROTOCOLS.md): a user message allows 5 messages
   * within 48 hours, a menu click, follow or scan 3 within a minute.
   */
  opensWindow: 'message' | 'menu' | null;
}

export type InboundResult = { ok: true; inbound: WechatInbound } | { ok: false; invalid: readonly string[] };

const REQUIRED = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;
const WINDOW_EVENTS = new Set(['subscribe', 'SCAN', 'CLICK']);

/** Maps the fields of a callback to what the dialog sees; `invalid` lists missing or unreadable fields. */
export function toInbound(fields: WechatFields): InboundResult {
  const invalid = [...REQUIRED.filter((name) => !fields[name]), ...(/^\d{1,12}$/.test(fields.CreateTime ?? '') ? [] : ['CreateTime'])];
  if (invalid.length > 0) return { ok: false, invalid: [...new Set(invalid)] };
  const { ToUserName: accountId = '', FromUserName: openid = '', CreateTime: createTime = '', MsgType: type = '' } = fields;
  const person: Person = { channel: 'wechat', externalId: openid, displayName: null };
  const inbound = (message: WechatInbound['message'], extra: Partial<Pick<WechatInbound, 'unsupported' | 'dedupeKey' | 'opensWindow'>> = {}): InboundResult => ({
    ok: true,
    inbound: {
      person,
      accountId,
      dedupeKey: fields.MsgId || `${openid}|${createTime}|${type}`,
      sentAt: new Date(Number(createTime) * 1000),
      message,
      opensWindow: 'message',
      ...extra,
    },
  });

  switch (type) {
    case 'text':
      return inbound({ kind: 'text', text: fields.Content ?? '' });
    case 'image': {
      const { MediaId: mediaId, PicUrl: picUrl } = fields;
      if (!mediaId) return { ok: false, invalid: ['MediaId'] };
      return inbound({ kind: 'photo', mediaId, picUrl: picUrl ?? '' });
    }
    case 'voice': {
      // Recognition is empty unless speech recognition is switched on for the account, and often even then.
      const recognized = fields.Recognition?.trim();
      return recognized ? inbound({ kind: 'text', text: recognized }) : inbound(null, { unsupported: 'voiceNotRecognized' });
    }
    case 'location': {
      const latitude = Number(fields.Location_X);
      const longitude = Number(fields.Location_Y);
      const invalid = [
        ...(fields.Location_X && Number.isFinite(latitude) ? [] : ['Location_X']),
        ...(fields.Location_Y && Number.isFinite(longitude) ? [] : ['Location_Y']),
      ];
      if (invalid.length > 0) return { ok: false, invalid };
      const label = fields.Label?.trim();
      return inbound({ kind: 'location', latitude, longitude, ...(label ? { label } : {}) });
    }
    case 'event': {
      const event = fields.Event ?? '';
      return inbound(eventMessage(event, fields.EventKey ?? ''), {
        dedupeKey: [openid, createTime, event, fields.EventKey ?? ''].join('|'),
        opensWindow: WINDOW_EVENTS.has(event) ? 'menu' : null,
      });
    }
    default:
      return inbound(null, { unsupported: 'messageType' });
  }
}

function eventMessage(event: string, eventKey: string): InboundMessage | null {
  switch (event) {
    case 'subscribe': {
      // A follow through a parameterised QR code carries the scene as `qrscene_<scene>`.
      const scene = eventKey.replace(/^qrscene_/, '');
      return { kind: 'event', event: 'follow', ...(scene ? { key: scene } : {}) };
    }
    case 'SCAN':
      // A follower scanned a parameterised QR code again: the key is the bare scene.
      return { kind: 'event', event: 'follow', ...(eventKey ? { key: eventKey } : {}) };
    case 'unsubscribe':
      return { kind: 'event', event: 'unfollow' };
    case 'CLICK':
      return { kind: 'event', event: 'menu', key: eventKey };
    default:
      return null;
  }
}
