import { createWechatCipher, sha1Signature, type WechatCipher } from '../../../src/channels/wechat-crypto/wechat-crypto';
import { parseWechatXml, type WechatFields } from '../../../src/channels/wechat-official/xml';

/** The values of WeCom's own sample code (WXBizMsgCrypt): a known answer for the URL check. */
export const TOKEN = 'QDG6eK';
export const CORP_ID = 'wx5823bf96d3bd56c7';
export const ENCODING_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
export const AGENT_ID = '1000002';

export const corpCipher = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: CORP_ID });

/** A decrypted WeCom message; values go in CDATA except the numbers, as WeCom writes them. */
export function messageXml(fields: Record<string, string>): string {
  const body = Object.entries(fields)
    .map(([name, value]) => (/^\d+$/.test(value) ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`))
    .join('');
  return `<xml>${body}</xml>`;
}

export function textXml(input: { from: string; content: string; msgId: string; at: Date; agentId?: string }): string {
  return messageXml({
    ToUserName: CORP_ID,
    FromUserName: input.from,
    CreateTime: String(Math.floor(input.at.getTime() / 1000)),
    MsgType: 'text',
    Content: input.content,
    MsgId: input.msgId,
    AgentID: input.agentId ?? AGENT_ID,
  });
}

export interface SealedCallback {
  query: Record<string, string>;
  body: string;
}

/** What WeCom POSTs: the message encrypted for the corp, and msg_signature over it. */
export function sealedCallback(innerXml: string, options: { at: Date; nonce?: string; token?: string; cipher?: WechatCipher }): SealedCallback {
  const timestamp = String(Math.floor(options.at.getTime() / 1000));
  const nonce = options.nonce ?? '1372623149';
  const encrypt = (options.cipher ?? corpCipher).encrypt(innerXml);
  return {
    query: { msg_signature: sha1Signature([options.token ?? TOKEN, timestamp, nonce, encrypt]), timestamp, nonce },
    body: `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[${AGENT_ID}]]></AgentID></xml>`,
  };
}

function fieldsOf(xml: string): WechatFields {
  const parsed = parseWechatXml(xml);
  if (!parsed.ok) throw new Error(`not WeCom XML: ${parsed.error.message}\n${xml}`);
  return parsed.fields;
}

/** Opens a passive reply as WeCom does: checks its signature, decrypts it, and returns its fields. */
export function openReply(xml: string): WechatFields {
  const envelope = fieldsOf(xml);
  const { Encrypt: encrypt = '', MsgSignature: signature, TimeStamp: timestamp = '', Nonce: nonce = '' } = envelope;
  if (signature !== sha1Signature([TOKEN, timestamp, nonce, encrypt])) throw new Error('passive reply has a wrong MsgSignature');
  return fieldsOf(corpCipher.decrypt(encrypt));
}
