import { assessSeverity, type SeverityReason, type SeverityRules } from '../../src/domain/severity';
import { DomainError } from '../../src/domain/errors';

const RULES: SeverityRules = {
  keywords: [
    '火灾', '火災',
    '爆炸',
    '被困', '受困',
    '停电', '停電',
    '停水',
    '漏水', '水浸',
    '盗窃', '盜竊',
    '犯罪',
    '受伤', '受傷',
    '食物中毒',
    '媒体曝光', '媒體曝光',
    'fire', 'explosion', 'trapped', 'power outage', 'food poisoning',
  ],
  collectiveThreshold: 3,
};

const keyword = (k: string): SeverityReason => ({ kind: 'keyword', keyword: k });

describe('assessSeverity by keyword', () => {
  it.each<[string, string[], SeverityReason[]]>([
    ['simplified 被困', ['电梯里有人被困'], [keyword('被困')]],
    ['traditional 被困', ['電梯裡有人被困'], [keyword('被困')]],
    ['traditional 受困', ['有住客受困升降機'], [keyword('受困')]],
    ['simplified 火灾', ['三楼发生火灾'], [keyword('火灾')]],
    ['traditional 火災', ['三樓發生火災'], [keyword('火災')]],
    ['traditional 停電', ['整棟大廈停電'], [keyword('停電')]],
    ['traditional 媒體曝光', ['已經被媒體曝光'], [keyword('媒體曝光')]],
    ['keyword in the location field', ['投诉物业', '地下室水浸'], [keyword('水浸')]],
    ['several keywords, configuration order', ['爆炸后有人受伤，还被困'], [keyword('爆炸'), keyword('被困'), keyword('受伤')]],
    ['a keyword repeated counts once', ['停水停水停水'], [keyword('停水')]],
    ['English, upper case', ['There is a FIRE in the lobby'], [keyword('fire')]],
    ['English, mixed case phrase', ['Suspected Food Poisoning after lunch'], [keyword('food poisoning')]],
    ['English, full-width letters', ['ＦＩＲＥ on floor 3'], [keyword('fire')]],
    ['English, punctuation around the word', ['fire!'], [keyword('fire')]],
  ])('%s → major', (_label, texts, reasons) => {
    expect(assessSeverity({ texts, relatedComplainants: 1 }, RULES)).toEqual({ severity: 'major', reasons });
  });

  it.each<[string, string[]]>([
    ['ordinary complaint', ['快递员态度很差，包裹延迟三天']],
    ['traditional ordinary complaint', ['服務態度很差，等了一個小時']],
    ['English word inside another word', ['I was fired by the campfire crew']],
    ['no texts at all', []],
    ['empty texts', ['', '   ']],
  ])('%s → general', (_label, texts) => {
    expect(assessSeverity({ texts, relatedComplainants: 1 }, RULES)).toEqual({ severity: 'general', reasons: [] });
  });

  it('matches keywords written with full-width Latin letters in the configuration', () => {
    const rules = { keywords: ['ＧＡＳ ＬＥＡＫ'], collectiveThreshold: 3 };
    expect(assessSeverity({ texts: ['gas leak in kitchen'], relatedComplainants: 1 }, rules).severity).toBe('major');
  });
});

describe('assessSeverity by collective complaint', () => {
  it.each<[number, number, SeverityReason[]]>([
    [3, 0, []],
    [3, 1, []],
    [3, 2, []],
    [3, 3, [{ kind: 'collective', complainants: 3 }]],
    [3, 10, [{ kind: 'collective', complainants: 10 }]],
    [5, 4, []],
    [5, 5, [{ kind: 'collective', complainants: 5 }]],
    [1, 1, [{ kind: 'collective', complainants: 1 }]],
  ])('threshold %d, %d complainants → %j', (collectiveThreshold, relatedComplainants, reasons) => {
    const result = assessSeverity({ texts: ['噪音扰民'], relatedComplainants }, { ...RULES, collectiveThreshold });
    expect(result).toEqual({ severity: reasons.length > 0 ? 'major' : 'general', reasons });
  });

  it('reports both keyword and collective reasons', () => {
    expect(assessSeverity({ texts: ['小区停电'], relatedComplainants: 4 }, RULES)).toEqual({
      severity: 'major',
      reasons: [keyword('停电'), { kind: 'collective', complainants: 4 }],
    });
  });
});

describe('assessSeverity input validation', () => {
  it.each<[string, () => unknown, string]>([
    ['blank keyword', () => assessSeverity({ texts: ['x'], relatedComplainants: 1 }, { keywords: ['火灾', ' '], collectiveThreshold: 3 }), 'SEVERITY.INVALID_RULES'],
    ['zero threshold', () => assessSeverity({ texts: ['x'], relatedComplainants: 1 }, { ...RULES, collectiveThreshold: 0 }), 'SEVERITY.INVALID_RULES'],
    ['fractional threshold', () => assessSeverity({ texts: ['x'], relatedComplainants: 1 }, { ...RULES, collectiveThreshold: 2.5 }), 'SEVERITY.INVALID_RULES'],
    ['negative count', () => assessSeverity({ texts: ['x'], relatedComplainants: -1 }, RULES), 'SEVERITY.INVALID_COMPLAINANT_COUNT'],
    ['NaN count', () => assessSeverity({ texts: ['x'], relatedComplainants: Number.NaN }, RULES), 'SEVERITY.INVALID_COMPLAINANT_COUNT'],
  ])('%s throws %s', (_label, fn, code) => {
    expect(fn).toThrow(DomainError);
    expect(fn).toThrow(expect.objectContaining({ code }));
  });
});
