import type { Person } from '../../application/conversation-service';
import type { WechatFields } from '../wechat-official/xml';

/** The channel name of WeCom identities and notification jobs. */
export const WECOM_CHANNEL = 'wecom';

/** What a member sent: staff work by typing commands, so anything but text only earns the help text. */
export type WecomMessage = { kind: 'text'; text: string } | { kind: 'unsupported'; msgType: string };

export interface WecomInbound {
  /** `FromUserName`: the member's userid, which identities store as the external id. */
  person: Person;
  /** `ToUserName`: the corp id. */
  corpId: string;
  /** `AgentID`: the application the member wrote to; null on events that carry none. */
  agentId: string | null;
  /** `MsgId` for messages; sender, time, event and key for events, which have no MsgId. */
  dedupeKey: string;
  sentAt: Date;
  /** null for events (entering the application, menu clicks): they are not answered. */
  message: WecomMessage | null;
}

export type WecomInboundResult = { ok: true; inbound: WecomInbound } | { ok: false; invalid: readonly string[] };

const REQUIRED = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;

/** Maps the decrypted fields of a callback; `invalid` lists missing or unreadable fields. */
export function toWecomInbound(fields: WechatFields): WecomInboundResult {
  const invalid = [...REQUIRED.filter((name) => !fields[name]), ...(/^\d{1,12}$/.test(fields.CreateTime ?? '') ? [] : ['CreateTime'])];
  if (invalid.length > 0) return { ok: false, invalid: [...new Set(invalid)] };
  const { ToUserName: corpId = '', FromUserName: userid = '', CreateTime: createTime = '', MsgType: type = '' } = fields;
  const event = type === 'event' ? (fields.Event ?? '') : '';
  const message: WecomMessage | null = type === 'text' ? { kind: 'text', text: fields.Content ?? '' } : type === 'event' ? null : { kind: 'unsupported', msgType: type };
  return {
    ok: true,
    inbound: {
      person: { channel: WECOM_CHANNEL, externalId: userid, displayName: null },
      corpId,
      agentId: fields.AgentID || null,
      dedupeKey: fields.MsgId || [userid, createTime, type, event, fields.EventKey ?? ''].join('|'),
      sentAt: new Date(Number(createTime) * 1000),
      message,
    },
  };
}
