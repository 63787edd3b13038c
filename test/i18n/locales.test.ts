import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };
import { createScriptAnalyzer } from '../../src/i18n/script-detection';
import {
  LOCALES,
  MissingTranslationError,
  createTranslator,
  interpolationNames,
  localeFromLanguageCode,
  type Locale,
  type Translator,
} from '../../src/i18n/translator';
import {
  diffLocales,
  flattenLocale,
  generateZhHant,
  parseLocale,
  parseZhHantOverrides,
  serializeLocale,
  type LocaleTree,
  type ZhHantOverrides,
} from '../../src/i18n/zh-hant-generator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js') as typeof OpenCCModule;

const LOCALES_DIR = path.join(__dirname, '..', '..', 'locales');
const REGENERATE = 'run `npm run locales` and commit locales/zh-Hant (never edit it by hand)';

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const jsonFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const committedOverrides = (): ZhHantOverrides => parseZhHantOverrides(readJson(path.join(LOCALES_DIR, 'zh-Hant.overrides.json')));
/** The words of a string, without the `{{placeholders}}` the code fills in. */
const withoutPlaceholders = (text: string): string => text.replace(/\{\{[^{}]*\}\}/gu, '\n');

/** Dotted key → stored string, straight from a locale's JSON files (other namespaces as `ns:key`). */
function storedStrings(locale: Locale): Map<string, string> {
  const flat = new Map<string, string>();
  const dir = path.join(LOCALES_DIR, locale);
  for (const file of jsonFiles(dir)) {
    const ns = file.slice(0, -'.json'.length);
    for (const [key, value] of flattenLocale(parseLocale(readJson(path.join(dir, file)), `${locale}/${file}`))) {
      flat.set(ns === 'translation' ? key : `${ns}:${key}`, value);
    }
  }
  return flat;
}

describe('locale files', () => {
  const stored = new Map(LOCALES.map((locale) => [locale, storedStrings(locale)] as const));
  const strings = (locale: Locale): Map<string, string> => stored.get(locale) ?? new Map();

  it('have the same keys in every locale', () => {
    const problems: string[] = [];
    for (const locale of LOCALES) {
      for (const other of LOCALES) {
        const missing = [...strings(other).keys()].filter((key) => !strings(locale).has(key));
        if (other !== locale && missing.length > 0) problems.push(`${locale} is missing ${missing.join(', ')} (${other} has them)`);
      }
    }
    expect(problems).toEqual([]);
    expect(strings('zh-Hans').size).toBeGreaterThan(50);
  });

  it('use the same {{placeholders}} for each key in every locale', () => {
    const problems: string[] = [];
    for (const [key, source] of strings('zh-Hans')) {
      const expected = interpolationNames(source).sort().join(', ');
      for (const locale of LOCALES) {
        const text = strings(locale).get(key);
        const names = text === undefined ? expected : interpolationNames(text).sort().join(', ');
        if (names !== expected) problems.push(`${key}: zh-Hans has {${expected}}, ${locale} has {${names}}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('have a committed zh-Hant that is exactly what the generator writes now', () => {
    const overrides = committedOverrides();
    const files = jsonFiles(path.join(LOCALES_DIR, 'zh-Hans'));
    expect(files.length).toBeGreaterThan(0);
    expect(jsonFiles(path.join(LOCALES_DIR, 'zh-Hant'))).toEqual(files);
    for (const file of files) {
      const generated = generateZhHant(parseLocale(readJson(path.join(LOCALES_DIR, 'zh-Hans', file)), file), overrides);
      const committedText = readFileSync(path.join(LOCALES_DIR, 'zh-Hant', file), 'utf8');
      if (committedText === serializeLocale(generated)) continue;
      const keys = diffLocales(generated, parseLocale(JSON.parse(committedText), file));
      throw new Error(
        `locales/zh-Hant/${file} is not what the generator writes from locales/zh-Hans/${file}` +
          `${keys.length > 0 ? ` (keys: ${keys.join(', ')})` : ' (layout only)'}: ${REGENERATE}`,
      );
    }
  });

  describe('scripts', () => {
    const analyzer = createScriptAnalyzer();
    const toTaiwan = OpenCC.Converter({ from: 'cn', to: 'tw' });
    /** Characters a Taiwan text must not have (群 and 峰 are fine there; 台 is written 臺 by the generator). */
    const simplifiedInTaiwanText = (text: string): string[] =>
      analyzer
        .evidence(withoutPlaceholders(text))
        .filter((e) => e.script === 'zh-Hans' && toTaiwan(e.char) !== e.char)
        .map((e) => e.char);
    /** Characters only traditional text has (著 and 乾 are also simplified in some words: weak evidence is not enough). */
    const traditionalInSimplifiedText = (text: string): string[] =>
      analyzer
        .evidence(withoutPlaceholders(text))
        .filter((e) => e.script === 'zh-Hant' && e.strength === 'strong')
        .map((e) => e.char);
    const offenders = (locale: Locale, find: (text: string) => string[]): string[] =>
      [...strings(locale)].flatMap(([key, text]) => {
        const found = find(text);
        return found.length > 0 ? [`${key}: ${found.join('')} in ${JSON.stringify(text)}`] : [];
      });

    it('zh-Hant has no simplified-only character', () => {
      expect(offenders('zh-Hant', simplifiedInTaiwanText)).toEqual([]);
    });

    it('zh-Hans has no traditional-only character', () => {
      expect(offenders('zh-Hans', traditionalInSimplifiedText)).toEqual([]);
    });

    it('en has no Chinese characters', () => {
      expect(offenders('en', (text) => [...text].filter((c) => /\p{Script=Han}/u.test(c)))).toEqual([]);
    });

    it('the overrides file writes Taiwan text only', () => {
      const { terms, keys } = committedOverrides();
      const values = [...Object.values(terms), ...Object.values(keys).map((k) => k.value)];
      expect(values.filter((value) => simplifiedInTaiwanText(value).length > 0)).toEqual([]);
    });

    it('each Chinese locale is never detected as the other script', () => {
      const detectedAs = (locale: Locale, wrong: string): string[] =>
        [...strings(locale)].filter(([, text]) => analyzer.detect(withoutPlaceholders(text)) === wrong).map(([key]) => key);
      expect({ 'zh-Hans': detectedAs('zh-Hans', 'zh-Hant'), 'zh-Hant': detectedAs('zh-Hant', 'zh-Hans') }).toEqual({
        'zh-Hans': [],
        'zh-Hant': [],
      });
    });
  });
});

describe('zh-Hant generator', () => {
  const overrides = (terms: Record<string, string>, keys: ZhHantOverrides['keys'] = {}): ZhHantOverrides => ({ terms, keys });

  it('converts with Taiwan phrases and keeps the key structure', () => {
    const source: LocaleTree = { a: { b: '默认视频信息', c: '鼠标' }, d: '软件' };
    expect(generateZhHant(source, overrides({}))).toEqual({ a: { b: '預設影片資訊', c: '滑鼠' }, d: '軟體' });
  });

  it('leaves {{placeholders}} and $t() nesting alone', () => {
    const source: LocaleTree = { a: '请输入{{发票号}}与{{- 内容}}：$t(发票.号码) {{数量, number}}' };
    expect(generateZhHant(source, overrides({}))).toEqual({ a: '請輸入{{发票号}}與{{- 内容}}：$t(发票.号码) {{数量, number}}' });
  });

  it('applies term overrides longest first, verbatim, never inside placeholders', () => {
    const terms = { 用户: '用戶', 用户名: '使用者名稱', 账号: '帳號', '“': '「', '”': '」' };
    const source: LocaleTree = { a: '用户的账号和用户名', b: '回复“{{用户}}”' };
    // Without the overrides: 使用者的賬號和使用者名稱.
    expect(generateZhHant(source, overrides(terms))).toEqual({ a: '用戶的帳號和使用者名稱', b: '回覆「{{用户}}」' });
  });

  it('takes whole-key overrides and stops when their zh-Hans source changed', () => {
    const keys = { 'lang.switched': { source: '已切换为简体中文。', value: '已切換為繁體中文。' } };
    expect(generateZhHant({ lang: { switched: '已切换为简体中文。' } }, overrides({}, keys))).toEqual({ lang: { switched: '已切換為繁體中文。' } });
    expect(() => generateZhHant({ lang: { switched: '语言已切换为简体中文。' } }, overrides({}, keys))).toThrow(/lang\.switched/u);
    expect(() => generateZhHant({ lang: {} }, overrides({}, keys))).toThrow(/lang\.switched/u);
  });

  it('reads the overrides file format, ignoring $comment notes', () => {
    expect(parseZhHantOverrides({ $comment: ['why'], terms: { $comment: 'x', 用户: '用戶' } })).toEqual({ terms: { 用户: '用戶' }, keys: {} });
    expect(() => parseZhHantOverrides({ replacements: {} })).toThrow(/replacements/u);
    expect(() => parseZhHantOverrides({ terms: { 用户: 1 } })).toThrow(/用户/u);
    expect(() => parseZhHantOverrides({ keys: { a: '值' } })).toThrow(/source/u);
  });

  it('names the keys that differ', () => {
    expect(diffLocales({ a: { b: '1', c: '2' }, d: '3' }, { a: { b: '1', c: '9' }, e: '3' })).toEqual(['a.c', 'd', 'e']);
    expect(serializeLocale({ a: '甲' })).toBe('{\n  "a": "甲"\n}\n');
  });
});

describe('translator', () => {
  let translator: Translator;
  beforeAll(async () => {
    translator = await createTranslator({ strict: true });
  });

  it('serves the three locales', () => {
    expect(translator.locales).toEqual(['zh-Hans', 'zh-Hant', 'en']);
    expect(translator.t('zh-Hans', 'nav.help')).toBe('帮助');
    expect(translator.t('zh-Hant', 'nav.help')).toBe('幫助');
    expect(translator.t('en', 'nav.help')).toBe('Help');
    expect(translator.has('zh-Hant', 'nav.help')).toBe(true);
    expect(translator.keys('en')).toContain('lookup.cardTitle');
  });

  it('interpolates without HTML-escaping or expanding the values', () => {
    expect(translator.t('zh-Hans', 'lookup.cardTitle', { number: '<b>&' })).toBe('案件 <b>&');
    expect(translator.t('en', 'lookup.cardTitle', { number: '"x" \'y\' </script>' })).toBe('Case "x" \'y\' </script>');
    // User text in a param is never read as i18next syntax.
    expect(translator.t('zh-Hant', 'lookup.cardTitle', { number: '$t(nav.help) {{number}}' })).toBe('案件 $t(nav.help) {{number}}');
    // Params named like i18next options are just params.
    expect(translator.t('en', 'lookup.cardTitle', { number: 7, lng: 'zh-Hans', ns: 'x' })).toBe('Case 7');
    expect(translator.t('en', 'intake.photoReceived', { count: 3 })).toBe('Photo received (3 in all).');
  });

  it('throws in strict mode on a missing key or a missing param', () => {
    expect(() => translator.t('zh-Hant', 'no.such.key')).toThrow(MissingTranslationError);
    expect(() => translator.t('zh-Hant', 'menu')).toThrow(/menu/u);
    expect(() => translator.t('en', 'lookup.cardTitle')).toThrow(/\{\{number\}\}/u);
    expect(translator.has('en', 'no.such.key')).toBe(false);
  });

  describe('not strict', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'locales-'));
      const write = (locale: string, tree: object) => {
        mkdirSync(path.join(dir, locale));
        writeFileSync(path.join(dir, locale, 'translation.json'), JSON.stringify(tree));
      };
      write('zh-Hans', { only: { hans: '只有简体' }, both: '简体 {{n}}' });
      write('zh-Hant', { both: '繁體 {{n}}' });
      write('en', { both: 'English {{n}}' });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('falls back zh-Hant → zh-Hans, tells onMissing, and has() does not fall back', async () => {
      const missing: string[] = [];
      const t = await createTranslator({ localesDir: dir, onMissing: (locale, key) => missing.push(`${locale} ${key}`) });
      expect(t.t('zh-Hant', 'both', { n: 1 })).toBe('繁體 1');
      expect(t.t('zh-Hant', 'only.hans')).toBe('只有简体');
      expect(t.t('en', 'only.hans')).toBe('只有简体');
      expect(t.t('en', 'nowhere')).toBe('nowhere');
      expect(missing).toEqual(['zh-Hant only.hans', 'en only.hans', 'en nowhere']);
      expect(t.has('zh-Hant', 'only.hans')).toBe(false);
      expect(t.keys('zh-Hant')).toEqual(['both']);
      const strict = await createTranslator({ localesDir: dir, strict: true });
      expect(() => strict.t('zh-Hant', 'only.hans')).toThrow('zh-Hant "only.hans": no such key in this locale');
    });
  });

  it('maps client language codes to a locale', () => {
    expect(['zh-TW', 'zh_HK', 'zh-Hant', 'zh-hant-tw', 'zh-MO', 'zh-CN', 'zh', 'zh-Hans-SG', 'en', 'en-GB', 'fr', undefined, ''].map(localeFromLanguageCode)).toEqual([
      'zh-Hant',
      'zh-Hant',
      'zh-Hant',
      'zh-Hant',
      'zh-Hant',
      'zh-Hans',
      'zh-Hans',
      'zh-Hans',
      'en',
      'en',
      undefined,
      undefined,
      undefined,
    ]);
  });
});
