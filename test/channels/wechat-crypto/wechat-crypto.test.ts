import { createCipheriv } from 'node:crypto';
import { cdata, createWechatCipher, encryptedReply, sha1Signature, verifySignature, WechatCryptoError } from '../../../src/channels/wechat-crypto/wechat-crypto';

// The official sample account (PROTOCOLS.md). The expected values below were not copied from
// WeChat's documentation: they were computed independently in a shell, sha1 with
// `printf … | LC_ALL=C sort | tr -d '\n' | sha1sum`, AES with `openssl enc -aes-256-cbc -nopad`
// over a buffer padded by hand (random16 ‖ length BE ‖ xml ‖ appid ‖ PKCS#7 to 32).
const TOKEN = 'QDG6eK';
const APPID = 'wx5823bf96d3bd56c7';
const ENCODING_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const KEY_HEX = '8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760';
const TIMESTAMP = '1409304348';
const NONCE = 'xxxxxx';

const SAMPLE_XML =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[oia2TjjewbmiOUlr6X-1crbLOvLw]]></FromUserName>' +
  '<CreateTime>1409304348</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>6054768590064713728</MsgId></xml>';
const SAMPLE_RANDOM = Buffer.from('0123456789abcdef');
const SAMPLE_ENCRYPT =
  'sKqRbbiSUnDhFHOvPjtUMSwgNxW3MvYPdJhzmVgENPUM5//zKSzeSOc5cMEI3eEvc7iYPCbtGZFqTXlMYUQq3/deN/0Hjb23opA0QE18nVDFB8eqFobMzmL3OCW6QIRqwxV7LAdhu/XKpBqeZEOsY8jx' +
  'AHGxbOow9CL95WbVGnh07kQ1BfAsajrNuO0fV5ltfY79eas/aw0tYRmqTysPVox4P+oPQpGOjhnhW8x+8ZjYkEtgK2yZXT5/cy/H1QdQqBdfpPMDya6HZogfmjtaUCADgFfya9IBMQtq+nl9AMIL2xnZ' +
  'ngn4X8/otWFglpsi7qKOF3AJ4806XlVVQIufI3AFnW1jFxk8RzNAIz6Suz8LRUiFsRmPljW0hOKQcF9ryRerB7xAd7T5A/eU3AVTehVqigZoE6ISnnWj+ZzrCfE=';
const SAMPLE_MSG_SIGNATURE = '4ad4ca9d32fc75091f1725311f5981c2f43dbc54';
const SAMPLE_URL_SIGNATURE = 'db2a316ce3c15d4ef0a17a1520b2f32054398a74';

// A message whose plaintext is already a multiple of 32 bytes gets a whole block of padding (32 × 0x20).
const FULL_PAD_XML = '<xml><A>abcdefgh</A></xml>';
const FULL_PAD_RANDOM = Buffer.from('ZYXWVUTSRQPONMLK');
const FULL_PAD_ENCRYPT = 'rFK56780av38yN97p0KjpRTQ9egTJQed9XEGZZJrSDPDCcJyfFb35K3fGkccIbMDoDbuqN1rNlNP34P7UfPcdvawnZigA+ZIhe7HSpt4n46TOmvpTBavuNrWtrsrvk77';

const cipher = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: APPID });

/** Encrypts a hand-built plaintext with the sample key, for inputs our own encrypt would never produce. */
function sealRaw(plain: Buffer): string {
  const key = Buffer.from(KEY_HEX, 'hex');
  const aes = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([aes.update(plain), aes.final()]).toString('base64');
}

function framed(xml: string, trailer: string): Buffer {
  const body = Buffer.from(xml);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.alloc(16, 7), length, body, Buffer.from(trailer)]);
}

function cryptoCode(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof WechatCryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a WechatCryptoError');
}

describe('WeChat signatures', () => {
  it('matches sha1 of the sorted, joined parts (known answers)', () => {
    expect(sha1Signature([TOKEN, TIMESTAMP, NONCE])).toBe(SAMPLE_URL_SIGNATURE);
    expect(sha1Signature([TOKEN, TIMESTAMP, NONCE, SAMPLE_ENCRYPT])).toBe(SAMPLE_MSG_SIGNATURE);
    expect(sha1Signature([NONCE, SAMPLE_ENCRYPT, TOKEN, TIMESTAMP])).toBe(SAMPLE_MSG_SIGNATURE);
  });

  it('verifies a good signature and refuses a wrong, missing or truncated one', () => {
    expect(verifySignature(SAMPLE_URL_SIGNATURE, [TOKEN, TIMESTAMP, NONCE])).toBe(true);
    expect(verifySignature(SAMPLE_URL_SIGNATURE.toUpperCase(), [TOKEN, TIMESTAMP, NONCE])).toBe(true);
    expect(verifySignature(SAMPLE_URL_SIGNATURE, [TOKEN, TIMESTAMP, 'yyyyyy'])).toBe(false);
    expect(verifySignature(SAMPLE_URL_SIGNATURE.slice(0, 39), [TOKEN, TIMESTAMP, NONCE])).toBe(false);
    expect(verifySignature(undefined, [TOKEN, TIMESTAMP, NONCE])).toBe(false);
    expect(verifySignature('', [TOKEN, TIMESTAMP, NONCE])).toBe(false);
  });
});

describe('the WeChat cipher', () => {
  it('encrypts and decrypts the sample message to the known answer', () => {
    expect(cipher.encrypt(SAMPLE_XML, SAMPLE_RANDOM)).toBe(SAMPLE_ENCRYPT);
    expect(cipher.decrypt(SAMPLE_ENCRYPT)).toBe(SAMPLE_XML);
  });

  it('pads a plaintext that is already a multiple of 32 with a whole block', () => {
    expect(cipher.encrypt(FULL_PAD_XML, FULL_PAD_RANDOM)).toBe(FULL_PAD_ENCRYPT);
    expect(cipher.decrypt(FULL_PAD_ENCRYPT)).toBe(FULL_PAD_XML);
  });

  it('round-trips every padding length (plaintexts of 0 to 70 bytes)', () => {
    for (let length = 0; length <= 70; length += 1) {
      const xml = 'x'.repeat(length);
      const sealed = cipher.encrypt(xml);
      expect(Buffer.from(sealed, 'base64').length % 32).toBe(0);
      expect(cipher.decrypt(sealed)).toBe(xml);
    }
  });

  it('round-trips multi-byte text', () => {
    expect(cipher.decrypt(cipher.encrypt('<xml><Content><![CDATA[投訴：包裹三天未到 📦]]></Content></xml>'))).toBe(
      '<xml><Content><![CDATA[投訴：包裹三天未到 📦]]></Content></xml>',
    );
  });

  it('uses fresh random bytes unless given some', () => {
    expect(cipher.encrypt(SAMPLE_XML)).not.toBe(cipher.encrypt(SAMPLE_XML));
  });

  it('refuses a message sealed for another appid', () => {
    const other = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: 'wx0000000000000000' });
    expect(cryptoCode(() => cipher.decrypt(other.encrypt(SAMPLE_XML)))).toBe('WECHAT_CRYPTO.RECEIVER_MISMATCH');
    expect(cryptoCode(() => other.decrypt(SAMPLE_ENCRYPT))).toBe('WECHAT_CRYPTO.RECEIVER_MISMATCH');
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = Buffer.from(SAMPLE_ENCRYPT, 'base64');
    // Flipping a byte of the next-to-last block garbles the block holding the appid and flips a byte of the last one.
    for (const offset of [sealed.length - 17, sealed.length - 20, sealed.length - 32]) {
      const tampered = Buffer.from(sealed);
      tampered[offset]! ^= 0x01;
      expect(() => cipher.decrypt(tampered.toString('base64'))).toThrow(WechatCryptoError);
    }
  });

  it('refuses bad padding', () => {
    const good = framed('<xml/>', APPID);
    const padding = 32 - (good.length % 32);
    const zeroPad = Buffer.concat([good, Buffer.alloc(padding, 0)]);
    const unevenPad = Buffer.concat([good, Buffer.alloc(padding - 1, padding), Buffer.from([padding - 1])]);
    const tooLongPad = Buffer.concat([good, Buffer.alloc(padding, padding)]);
    tooLongPad[tooLongPad.length - 1] = 33;
    expect(cryptoCode(() => cipher.decrypt(sealRaw(zeroPad)))).toBe('WECHAT_CRYPTO.BAD_PADDING');
    expect(cryptoCode(() => cipher.decrypt(sealRaw(unevenPad)))).toBe('WECHAT_CRYPTO.BAD_PADDING');
    expect(cryptoCode(() => cipher.decrypt(sealRaw(tooLongPad)))).toBe('WECHAT_CRYPTO.BAD_PADDING');
  });

  it('refuses a length field that does not match the message', () => {
    const plain = framed('<xml/>', APPID);
    plain.writeUInt32BE(500, 16);
    const padding = 32 - (plain.length % 32);
    expect(cryptoCode(() => cipher.decrypt(sealRaw(Buffer.concat([plain, Buffer.alloc(padding, padding)]))))).toBe('WECHAT_CRYPTO.BAD_LENGTH');
  });

  it('refuses what is not base64 of whole AES blocks', () => {
    expect(cryptoCode(() => cipher.decrypt(''))).toBe('WECHAT_CRYPTO.BAD_CIPHERTEXT');
    expect(cryptoCode(() => cipher.decrypt('not base64!'))).toBe('WECHAT_CRYPTO.BAD_CIPHERTEXT');
    expect(cryptoCode(() => cipher.decrypt(SAMPLE_ENCRYPT.slice(0, 40)))).toBe('WECHAT_CRYPTO.BAD_CIPHERTEXT');
  });

  it('refuses an EncodingAESKey that is not 43 characters', () => {
    expect(cryptoCode(() => createWechatCipher({ encodingAesKey: ENCODING_AES_KEY.slice(1), receiverId: APPID }))).toBe('WECHAT_CRYPTO.BAD_KEY');
  });
});

describe('the encrypted passive reply', () => {
  it('carries Encrypt, a matching MsgSignature, TimeStamp and Nonce', () => {
    const reply = encryptedReply({ token: TOKEN, cipher, xml: SAMPLE_XML, timestamp: TIMESTAMP, nonce: NONCE });
    const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(reply)![1]!;
    const signature = /<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]><\/MsgSignature>/.exec(reply)![1]!;
    expect(reply).toContain(`<TimeStamp><![CDATA[${TIMESTAMP}]]></TimeStamp>`);
    expect(reply).toContain(`<Nonce><![CDATA[${NONCE}]]></Nonce>`);
    expect(signature).toBe(sha1Signature([TOKEN, TIMESTAMP, NONCE, encrypt]));
    expect(cipher.decrypt(encrypt)).toBe(SAMPLE_XML);
  });

  it('keeps "]]>" inside CDATA', () => {
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
  });
});
