import { MAX_XML_BYTES, parseWechatXml, textReplyXml, type XmlParseResult } from '../../../src/channels/wechat-official/xml';

const fieldsOf = (result: XmlParseResult) => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.fields;
};
const codeOf = (result: XmlParseResult) => (result.ok ? 'ok' : result.error.code);

describe('parsing WeChat XML', () => {
  it('returns the fields as strings, CDATA verbatim and a 64-bit MsgId exact', () => {
    const fields = fieldsOf(
      parseWechatXml(
        '<?xml version="1.0" encoding="utf-8"?>\n<xml>\n  <ToUserName><![CDATA[gh_123]]></ToUserName>\n  <CreateTime>1700000000</CreateTime>\n' +
          '  <Content><![CDATA[  a &amp; <b> ]]></Content>\n  <MsgId>9223372036854775807</MsgId>\n</xml>\n',
      ),
    );
    expect(fields).toEqual({ ToUserName: 'gh_123', CreateTime: '1700000000', Content: '  a &amp; <b> ', MsgId: '9223372036854775807' });
  });

  it('decodes the predefined entities in plain text, and nothing else', () => {
    expect(fieldsOf(parseWechatXml('<xml><A>a &lt; b &amp;&#20320;&#x597D;</A><B/></xml>'))).toEqual({ A: 'a < b &你好', B: '' });
    expect(codeOf(parseWechatXml('<xml><A>&custom;</A></xml>'))).toBe('WECHAT.XML_MALFORMED');
  });

  it('joins text and CDATA in order and leaves nested elements out', () => {
    const fields = fieldsOf(parseWechatXml('<xml><A>x<![CDATA[y]]>z</A><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>'));
    expect(fields).toEqual({ A: 'xyz' });
  });

  it('refuses DOCTYPE and ENTITY declarations', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]><xml><Content>&secret;</Content></xml>';
    const laughs = '<!doctype xml [<!entity a "aaaa"><!entity b "&a;&a;&a;">]><xml><Content>&b;</Content></xml>';
    expect(codeOf(parseWechatXml(xxe))).toBe('WECHAT.XML_FORBIDDEN');
    expect(codeOf(parseWechatXml(laughs))).toBe('WECHAT.XML_FORBIDDEN');
  });

  it('takes a user message that merely mentions <!DOCTYPE inside CDATA', () => {
    expect(fieldsOf(parseWechatXml('<xml><Content><![CDATA[<!DOCTYPE html> 是什么？]]></Content></xml>')).Content).toBe('<!DOCTYPE html> 是什么？');
  });

  it.each([
    ['truncated', '<xml><ToUserName><![CDATA[gh_123]]></ToUserName><Content>hi'],
    ['unclosed root', '<xml><A>1</A>'],
    ['JSON', '{"ToUserName":"gh_123"}'],
    ['empty', ''],
    ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['another root', '<message><A>1</A></message>'],
    ['a repeated field', '<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName></xml>'],
  ])('refuses %s', (_name, body) => {
    expect(codeOf(parseWechatXml(body))).toBe('WECHAT.XML_MALFORMED');
  });

  it('refuses a body over the size cap', () => {
    expect(codeOf(parseWechatXml(`<xml><Content>${'字'.repeat(MAX_XML_BYTES / 3)}</Content></xml>`))).toBe('WECHAT.XML_TOO_LARGE');
  });
});

describe('the passive text reply', () => {
  it('wraps every field in CDATA and survives "]]>" in the content', () => {
    const xml = textReplyXml({ toUser: 'openid-1', fromUser: 'gh_123', createTime: 1700000000, content: '见 a]]>b' });
    expect(xml).toBe(
      '<xml><ToUserName><![CDATA[openid-1]]></ToUserName><FromUserName><![CDATA[gh_123]]></FromUserName><CreateTime>1700000000</CreateTime>' +
        '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[见 a]]]]><![CDATA[>b]]></Content></xml>',
    );
    expect(fieldsOf(parseWechatXml(xml)).Content).toBe('见 a]]>b');
  });
});
