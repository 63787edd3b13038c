import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cdata } from '../wechat-crypto/wechat-crypto';

/** WeChat's messages are a few hundred bytes; anything near this is not from WeChat. */
export const MAX_XML_BYTES = 64 * 1024;

export type WechatXmlErrorCode = 'WECHAT.XML_MALFORMED' | 'WECHAT.XML_FORBIDDEN' | 'WECHAT.XML_TOO_LARGE';

export interface WechatXmlError {
  code: WechatXmlErrorCode;
  message: string;
}

/** The leaf fields of the `<xml>` root, as strings; nested elements (ScanCodeInfo, SendPicsInfo) are left out. */
export type WechatFields = Readonly<Record<string, string>>;

export type XmlParseResult = { ok: true; fields: WechatFields } | { ok: false; error: WechatXmlError };

type OrderedNode = Record<string, unknown>;

const TEXT = '#text';
const CDATA = '#cdata';

// No entity or DOCTYPE processing at all (XXE, billion laughs); values stay strings so a 64-bit MsgId keeps every digit.
const parser = new XMLParser({
  preserveOrder: true,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  ignoreAttributes: true,
  trimValues: false,
  cdataPropName: CDATA,
  maxNestedTags: 8,
});

const FORBIDDEN_MARKUP = /<!(DOCTYPE|ENTITY)/i;
const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses one WeChat callback body into its fields, or says why it is refused. */
export function parseWechatXml(body: string): XmlParseResult {
  if (Buffer.byteLength(body, 'utf8') > MAX_XML_BYTES) return refuse('WECHAT.XML_TOO_LARGE', `Body is over ${MAX_XML_BYTES} bytes.`);
  // A user may well type "<!DOCTYPE" in a message; it then sits inside CDATA, where it is only text.
  if (FORBIDDEN_MARKUP.test(body.replace(CDATA_SECTION, ''))) return refuse('WECHAT.XML_FORBIDDEN', 'DOCTYPE and ENTITY declarations are not accepted.');
  const valid = XMLValidator.validate(body);
  if (valid !== true) return refuse('WECHAT.XML_MALFORMED', `Not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  let document: OrderedNode[];
  try {
    document = parser.parse(body) as OrderedNode[];
  } catch (error) {
    return refuse('WECHAT.XML_MALFORMED', `Not well-formed XML: ${error instanceof Error ? error.message : String(error)}.`);
  }
  const roots = document.filter((node) => !(TEXT in node));
  const root = roots[0];
  if (roots.length !== 1 || !root || !('xml' in root)) return refuse('WECHAT.XML_MALFORMED', 'Expected a single <xml> root element.');
  const fields = new Map<string, string>();
  for (const child of asNodes(root.xml)) {
    const name = Object.keys(child)[0];
    if (!name || name === TEXT) continue;
    const leaf = leafValue(asNodes(child[name]));
    if (leaf === null) continue;
    if ('unknownEntity' in leaf) return refuse('WECHAT.XML_MALFORMED', `Field <${name}> holds an entity reference other than the five XML predefines.`);
    if (fields.has(name)) return refuse('WECHAT.XML_MALFORMED', `Field <${name}> appears more than once.`);
    fields.set(name, leaf.value);
  }
  return { ok: true, fields: Object.fromEntries(fields) };
}

/** The passive text reply (to/from swapped by the caller). */
export function textReplyXml(reply: { toUser: string; fromUser: string; createTime: number; content: string }): string {
  return (
    `<xml><ToUserName>${cdata(reply.toUser)}</ToUserName><FromUserName>${cdata(reply.fromUser)}</FromUserName>` +
    `<CreateTime>${reply.createTime}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(reply.content)}</Content></xml>`
  );
}

function refuse(code: WechatXmlErrorCode, message: string): XmlParseResult {
  return { ok: false, error: { code, message } };
}

function asNodes(value: unknown): OrderedNode[] {
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

/**
 * The value of an element holding only text and CDATA; null for one with child elements.
 * Text outside CDATA is layout when WeChat pretty-prints, so it is trimmed and its entities decoded;
 * CDATA is kept as it is.
 */
function leafValue(parts: OrderedNode[]): { value: string } | { unknownEntity: true } | null {
  let value = '';
  for (const part of parts) {
    if (CDATA in part) {
      value += asNodes(part[CDATA]).map((inner) => String(inner[TEXT] ?? '')).join('');
    } else if (TEXT in part) {
      const decoded = decodeEntities(String(part[TEXT]).trim());
      if (decoded === null) return { unknownEntity: true };
      value += decoded;
    } else {
      return null;
    }
  }
  return { value };
}

function decodeEntities(text: string): string | null {
  let unknown = false;
  const decoded = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    const character = characterReference(name);
    if (character === null) unknown = true;
    return character ?? whole;
  });
  return unknown ? null : decoded;
}

function characterReference(name: string): string | null {
  if (name.startsWith('#')) {
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
  }
  return PREDEFINED_ENTITIES[name] ?? null;
}
