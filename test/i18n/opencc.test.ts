import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };
import { converter } from '../../src/i18n/opencc';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js') as typeof OpenCCModule;

/** Every direction the app uses (script detection, search, rendering, config wording). */
const DIRECTIONS = [
  ['cn', 't'],
  ['cn', 'tw'],
  ['cn', 'hk'],
  ['cn', 'twp'],
  ['t', 'cn'],
  ['tw', 'cn'],
  ['hk', 'cn'],
] as const;

/** Every string of the shipped catalogs, both scripts, plus phrases the dictionaries rewrite as phrases. */
function corpus(): string[] {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const language of ['zh-Hans', 'zh-Hant']) {
    const dir = join(__dirname, '../../locales', language);
    for (const file of readdirSync(dir)) walk(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  texts.push(
    '我们周末了解一下干扰的情况，头发也要理一理。',
    '我們週末瞭解一下乾擾的情況，頭髮也要理一理。',
    '软件的信息在内存里，鼠标坏了，打印机也没有回应。',
    '軟體的資訊在記憶體裡，滑鼠壞了，印表機也沒有回應。',
    '說話著急，為什麼裏面羣眾爲難？𠮷野家的面条',
    '包裹已经三天没有送到，客服电话也打不通 TS-202611-0001 😀',
    '',
  );
  return texts;
}

describe('OpenCC converters with shared tries', () => {
  const texts = corpus();

  it.each(DIRECTIONS)('%s → %s converts exactly like OpenCC.Converter', (from, to) => {
    const reference = OpenCC.Converter({ from, to });
    const shared = converter(from, to);
    expect(texts.length).toBeGreaterThan(100);
    const differing = texts.filter((text) => shared(text) !== reference(text));
    expect(differing).toEqual([]);
    // The corpus does exercise the direction: something in it is rewritten.
    expect(texts.some((text) => reference(text) !== text)).toBe(true);
  });

  it('builds each direction once', () => {
    expect(converter('cn', 'tw')).toBe(converter('cn', 'tw'));
  });
});
