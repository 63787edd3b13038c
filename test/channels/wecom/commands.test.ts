import { parseStaffCommand } from '../../../src/channels/wecom/commands';

const NUMBER = 'TS-202611-0001';

describe('WeCom staff commands', () => {
  it.each([
    ['接单 TS-202611-0001', 'zh-Hans'],
    ['接單 TS-202611-0001', 'zh-Hant'],
    ['accept TS-202611-0001', 'en'],
    ['Accept ts-202611-0001', 'en'],
    ['接单TS-202611-0001', 'zh-Hans'],
    ['接单：TS-202611-0001', 'zh-Hans'],
    ['\u3000接单\u3000ＴＳ－２０２６１１－０００１\u3000', 'zh-Hans'],
    ['回复：接单 TS-202611-0001', 'zh-Hans'],
    ['/accept TS-202611-0001', 'en'],
  ])('reads %j as accepting the case', (text, script) => {
    expect(parseStaffCommand(text)).toEqual({ kind: 'accept', caseNumber: NUMBER, script });
  });

  it('keeps the question and the result as typed, dropping only the separators after the number', () => {
    expect(parseStaffCommand('补充 TS-202611-0001 请提供照片')).toEqual({ kind: 'ask', caseNumber: NUMBER, question: '请提供照片', script: 'zh-Hans' });
    expect(parseStaffCommand('補充：TS-202611-0001：請提供收據，謝謝')).toEqual({ kind: 'ask', caseNumber: NUMBER, question: '請提供收據，謝謝', script: 'zh-Hant' });
    expect(parseStaffCommand('需补充信息 TS-202611-0001 几点到的？')).toMatchObject({ kind: 'ask', question: '几点到的？' });
    expect(parseStaffCommand('ask TS-202611-0001 When did it arrive?\nAnd where?')).toEqual({
      kind: 'ask',
      caseNumber: NUMBER,
      question: 'When did it arrive?\nAnd where?',
      script: 'en',
    });
    expect(parseStaffCommand('办结 TS-202611-0001 已退款')).toEqual({ kind: 'resolve', caseNumber: NUMBER, result: '已退款', script: 'zh-Hans' });
    expect(parseStaffCommand('辦結 TS-202611-0001 已退款')).toMatchObject({ kind: 'resolve', script: 'zh-Hant' });
    expect(parseStaffCommand('處理完畢 TS-202611-0001 已退款')).toMatchObject({ kind: 'resolve', script: 'zh-Hant' });
    expect(parseStaffCommand('resolve TS-202611-0001 Refunded in full')).toMatchObject({ kind: 'resolve', result: 'Refunded in full', script: 'en' });
  });

  it('reads a transfer with a department id or name', () => {
    expect(parseStaffCommand('转派 TS-202611-0001 质量管理部')).toEqual({ kind: 'transfer', caseNumber: NUMBER, department: '质量管理部', script: 'zh-Hans' });
    expect(parseStaffCommand('轉派 TS-202611-0001 品質管理部')).toMatchObject({ kind: 'transfer', department: '品質管理部', script: 'zh-Hant' });
    expect(parseStaffCommand('transfer TS-202611-0001 quality')).toMatchObject({ kind: 'transfer', department: 'quality', script: 'en' });
  });

  it('says what is missing from a command word without its case number or text', () => {
    expect(parseStaffCommand('接单')).toEqual({ kind: 'incomplete', verb: 'accept', missing: 'caseNumber', caseNumber: null, script: 'zh-Hans' });
    expect(parseStaffCommand('补充 请提供照片')).toMatchObject({ kind: 'incomplete', verb: 'ask', missing: 'caseNumber' });
    expect(parseStaffCommand('办结 TS-202611-0001')).toEqual({ kind: 'incomplete', verb: 'resolve', missing: 'text', caseNumber: NUMBER, script: 'zh-Hans' });
    expect(parseStaffCommand('转派 TS-202611-0001 ')).toMatchObject({ kind: 'incomplete', verb: 'transfer', missing: 'text', caseNumber: NUMBER });
    expect(parseStaffCommand('接单 TS-202613-0001')).toMatchObject({ kind: 'incomplete', missing: 'caseNumber' });
    // A hint copied as it stands: the placeholder must not reach the complainant.
    expect(parseStaffCommand('回复：补充 TS-202611-0001 （问题）')).toMatchObject({ kind: 'incomplete', verb: 'ask', missing: 'text' });
    expect(parseStaffCommand('Reply: resolve TS-202611-0001 (result)')).toMatchObject({ kind: 'incomplete', verb: 'resolve', missing: 'text' });
  });

  it('reads binding codes in every spelling', () => {
    expect(parseStaffCommand('绑定 K7Q2M9XA')).toEqual({ kind: 'bind', code: 'K7Q2M9XA', script: 'zh-Hans' });
    expect(parseStaffCommand('綁定：k7q2m9xa')).toEqual({ kind: 'bind', code: 'k7q2m9xa', script: 'zh-Hant' });
    expect(parseStaffCommand('繫結 K7Q2M9XA')).toMatchObject({ kind: 'bind', script: 'zh-Hant' });
    expect(parseStaffCommand('/bind K7Q2M9XA')).toEqual({ kind: 'bind', code: 'K7Q2M9XA', script: null });
    expect(parseStaffCommand('绑定　Ｋ７Ｑ２Ｍ９ＸＡ')).toMatchObject({ kind: 'bind', code: 'K7Q2M9XA' });
    expect(parseStaffCommand('绑定')).toEqual({ kind: 'incomplete', verb: 'bind', missing: 'code', caseNumber: null, script: 'zh-Hans' });
  });

  it('leaves anything else to the help text', () => {
    for (const text of ['你好', '', 'accepted TS-202611-0001', 'asking about TS-202611-0001', 'TS-202611-0001', '请接单 TS-202611-0001']) {
      expect(parseStaffCommand(text)).toEqual({ kind: 'unknown' });
    }
  });
});
