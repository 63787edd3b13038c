import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The callback signature and AES scheme shared by the Official Account and WeCom
 * (PROTOCOLS.md, "Safe mode"): only the receiver id in the trailer differs (appid or corp id).
 */

export type WechatCryptoErrorCode =
  | 'WECHAT_CRYPTO.BAD_KEY'
  | 'WECHAT_CRYPTO.BAD_CIPHERTEXT'
  | 'WECHAT_CRYPTO.BAD_PADDING'
  | 'WECHAT_CRYPTO.BAD_LENGTH'
  | 'WECHAT_CRYPTO.RECEIVER_MISMATCH';

export class WechatCryptoError extends Error {
  override readonly name = 'WechatCryptoError';

  constructor(
    readonly code: WechatCryptoErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** sha1 hex of the parts sorted as strings and joined: `signature` and `msg_signature` alike. */
export function sha1Signature(parts: readonly string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Whether `signature` is the sha1 signature of `parts`, compared in constant time. */
export function verifySignature(signature: string | undefined, parts: readonly string[]): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature.toLowerCase());
  const expected = Buffer.from(sha1Signature(parts));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WechatCipher {
  /** The XML inside an `Encrypt` field; throws WechatCryptoError when it is not ours or not intact. */
  decrypt(encryptBase64: string): string;
  /** `random16` is for known-answer tests; by default 16 fresh random bytes. */
  encrypt(xml: string, random16?: Buffer): string;
}

// WeChat pads to a multiple of 32 bytes, not to the 16-byte AES block: Node's own unpadding rejects half the lengths.
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** AES-256-CBC with the key from the 43-character EncodingAESKey; `receiverId` is the appid (or WeCom corp id). */
export function createWechatCipher(options: { encodingAesKey: string; receiverId: string }): WechatCipher {
  if (!ENCODING_AES_KEY.test(options.encodingAesKey)) {
    throw new WechatCryptoError('WECHAT_CRYPTO.BAD_KEY', 'EncodingAESKey must be the 43 characters shown in the admin console (A-Z, a-z, 0-9, + and /).');
  }
  const key = Buffer.from(`${options.encodingAesKey}=`, 'base64');
  const iv = key.subarray(0, 16);
  const receiver = Buffer.from(options.receiverId, 'utf8');

  return {
    decrypt(encryptBase64) {
      const sealed = BASE64.test(encryptBase64) ? Buffer.from(encryptBase64, 'base64') : Buffer.alloc(0);
      if (sealed.length === 0 || sealed.length % 16 !== 0) {
        throw new WechatCryptoError('WECHAT_CRYPTO.BAD_CIPHERTEXT', 'Encrypt is not base64 of whole AES blocks.', { bytes: sealed.length });
      }
      const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      const padded = Buffer.concat([decipher.update(sealed), decipher.final()]);
      const plain = unpad(padded);
      if (plain.length < RANDOM_BYTES + LENGTH_BYTES + receiver.length) {
        throw new WechatCryptoError('WECHAT_CRYPTO.BAD_LENGTH', 'Decrypted message is shorter than its header and trailer.');
      }
      const xmlLength = plain.readUInt32BE(RANDOM_BYTES);
      const xmlStart = RANDOM_BYTES + LENGTH_BYTES;
      if (xmlStart + xmlLength + receiver.length !== plain.length) {
        throw new WechatCryptoError('WECHAT_CRYPTO.BAD_LENGTH', 'Decrypted length field does not match the message.', { declared: xmlLength });
      }
      const trailer = plain.subarray(xmlStart + xmlLength);
      if (!trailer.equals(receiver)) {
        // Libraries often skip this check; without it a message sealed for another account would be accepted.
        throw new WechatCryptoError('WECHAT_CRYPTO.RECEIVER_MISMATCH', 'Message was encrypted for another account: check the AppID / corp id.');
      }
      return plain.subarray(xmlStart, xmlStart + xmlLength).toString('utf8');
    },

    encrypt(xml, random16 = randomBytes(RANDOM_BYTES)) {
      if (random16.length !== RANDOM_BYTES) throw new RangeError(`random16 must be ${RANDOM_BYTES} bytes`);
      const body = Buffer.from(xml, 'utf8');
      const length = Buffer.alloc(LENGTH_BYTES);
      length.writeUInt32BE(body.length);
      const plain = pad(Buffer.concat([random16, length, body, receiver]));
      const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
    },
  };
}

/** The safe-mode passive reply: the encrypted XML and its `msg_signature`. */
export function encryptedReply(input: { token: string; cipher: WechatCipher; xml: string; timestamp: string; nonce: string }): string {
  const encrypt = input.cipher.encrypt(input.xml);
  const signature = sha1Signature([input.token, input.timestamp, input.nonce, encrypt]);
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${cdata(input.timestamp)}</TimeStamp><Nonce>${cdata(input.nonce)}</Nonce></xml>`
  );
}

/** A CDATA section holding any text: `]]>` is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function pad(plain: Buffer): Buffer {
  const count = PAD_BLOCK - (plain.length % PAD_BLOCK);
  return Buffer.concat([plain, Buffer.alloc(count, count)]);
}

function unpad(padded: Buffer): Buffer {
  const count = padded.at(-1) ?? 0;
  if (count < 1 || count > PAD_BLOCK || count > padded.length || !padded.subarray(padded.length - count).every((byte) => byte === count)) {
    throw new WechatCryptoError('WECHAT_CRYPTO.BAD_PADDING', 'Decrypted message has invalid padding: wrong EncodingAESKey or a damaged Encrypt field.');
  }
  return padded.subarray(0, padded.length - count);
}
