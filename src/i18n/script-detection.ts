import { converter, type Convert } from './opencc';

export type DetectedScript = 'zh-Hans' | 'zh-Hant' | 'en' | 'unknown';

/** One Chinese character that points at a script, and how sure that is. */
export interface ScriptEvidence {
  /** Index in code points (not UTF-16 units) of the character in the text. */
  index: number;
  char: string;
  script: 'zh-Hans' | 'zh-Hant';
  /**
   * strong: simplified → every one of cn→t, cn→tw and cn→hk rewrites it; traditional → the
   * generic t→cn rewrites it. weak: only some regional converters do (台 and 温 are written in
   * Hong Kong, 群 and 峰 in Taiwan; 著 is rewritten by tw→cn only).
   */
  strength: 'strong' | 'weak';
}

export interface ScriptAnalyzer {
  detect(text: string): DetectedScript;
  /** The per-character evidence `detect` weighs, for tests and for explaining a decision. */
  evidence(text: string): ScriptEvidence[];
}

/** A conversion direction and its inverse, used to look at a character in context. */
interface Direction {
  name: string;
  forward: Convert;
  back: Convert;
}

const HAN = /\p{Script=Han}/u;
const WEAK_WEIGHT = 0.25;
/** Latin tokens a Chinese writer uses as often as an English one: they say nothing about the language. */
const NEUTRAL_WORDS = new Set(['ok', 'okay', 'okk', 'kk']);

/**
 * Returns a detector on the shared OpenCC converters (src/i18n/opencc.ts: built once per process).
 *
 * Method, per Chinese character of the text:
 *  - simplified evidence: a simplified→traditional converter (cn→t, cn→tw, cn→hk) rewrites the
 *    character on its own AND in context — in the text as written and in the text first taken
 *    to simplified (so 干 in 干擾 is left alone: 干扰 → 干擾). A phrase rewrite alone is not
 *    evidence: 了 in 了解 (→ 瞭解) and 周 in 周末 (→ 週末) are unchanged on their own.
 *  - traditional evidence: the same with t→cn, tw→cn, hk→cn (and traditional first).
 *  - HK variant rewrites (說 → 説 by cn→hk) do not count as simplified evidence: only cn→t and
 *    cn→tw can make a character simplified; cn→hk only decides whether it is strong.
 * Strong evidence counts 1, weak 0.25; the larger side wins if it has at least one strong
 * character; otherwise, or on a tie, the answer is 'unknown'.
 * With no Chinese character, Latin words (two letters or more, not inside a token with digits
 * such as TS-202611-0001, not "OK") make it 'en'. Chinese with some English decides by the Chinese.
 */
export function createScriptAnalyzer(): ScriptAnalyzer {
  const toSimplified = { t: converter('t', 'cn'), tw: converter('tw', 'cn'), hk: converter('hk', 'cn') };
  const simplifiedDirections: Direction[] = [
    { name: 't', forward: converter('cn', 't'), back: toSimplified.t },
    { name: 'tw', forward: converter('cn', 'tw'), back: toSimplified.tw },
    { name: 'hk', forward: converter('cn', 'hk'), back: toSimplified.hk },
  ];
  const traditionalDirections: Direction[] = simplifiedDirections.map((d) => ({ name: d.name, forward: d.back, back: d.forward }));

  const aloneCache = new Map<string, boolean>();
  const changesAlone = (direction: string, convert: Convert, char: string): boolean => {
    const key = `${direction}:${char}`;
    let changed = aloneCache.get(key);
    if (changed === undefined) {
      changed = convert(char) !== char;
      if (aloneCache.size > 50_000) aloneCache.clear();
      aloneCache.set(key, changed);
    }
    return changed;
  };

  /** For one direction: which code-point positions it rewrites alone, as written and after a round trip. */
  const rewritten = (direction: Direction, side: string, chars: readonly string[], text: string): boolean[] => {
    const asWritten = [...direction.forward(text)];
    const roundTrip = [...direction.forward(direction.back(text))];
    // cn/t/tw/hk character and variant dictionaries map one character to one character; if a
    // future dictionary breaks that, drop the context instead of misaligning it.
    const aligned = asWritten.length === chars.length && roundTrip.length === chars.length;
    return chars.map(
      (char, i) =>
        aligned &&
        HAN.test(char) &&
        changesAlone(`${side}${direction.name}`, direction.forward, char) &&
        asWritten[i] !== char &&
        roundTrip[i] !== char,
    );
  };

  const evidence = (text: string): ScriptEvidence[] => {
    const chars = [...text];
    if (!chars.some((c) => HAN.test(c))) return [];
    const [sT, sTw, sHk] = simplifiedDirections.map((d) => rewritten(d, 's', chars, text));
    const [tT, tTw, tHk] = traditionalDirections.map((d) => rewritten(d, 't', chars, text));
    const found: ScriptEvidence[] = [];
    chars.forEach((char, index) => {
      const simplifiedStandard = Boolean(sT?.[index] || sTw?.[index]);
      const simplifiedEverywhere = Boolean(sT?.[index] && sTw?.[index] && sHk?.[index]);
      const traditionalStandard = Boolean(tT?.[index]);
      const traditionalAny = Boolean(traditionalStandard || tTw?.[index] || tHk?.[index]);
      // Both directions rewrite OpenCC-standard variants such as 爲 裏 羣 (cn→tw takes them to
      // 為 裡 群): they are traditional if the generic t→cn rewrites them, else simplified (么).
      if (traditionalAny && (traditionalStandard || !simplifiedStandard)) {
        found.push({ index, char, script: 'zh-Hant', strength: traditionalStandard ? 'strong' : 'weak' });
      } else if (simplifiedStandard) {
        found.push({ index, char, script: 'zh-Hans', strength: simplifiedEverywhere ? 'strong' : 'weak' });
      }
    });
    return found;
  };

  const detect = (text: string): DetectedScript => {
    const normalized = text.normalize('NFC');
    if (![...normalized].some((c) => HAN.test(c))) return hasEnglishWords(normalized) ? 'en' : 'unknown';
    const score = { 'zh-Hans': 0, 'zh-Hant': 0 };
    const strong = { 'zh-Hans': 0, 'zh-Hant': 0 };
    for (const e of evidence(normalized)) {
      score[e.script] += e.strength === 'strong' ? 1 : WEAK_WEIGHT;
      if (e.strength === 'strong') strong[e.script] += 1;
    }
    if (score['zh-Hans'] > score['zh-Hant'] && strong['zh-Hans'] > 0) return 'zh-Hans';
    if (score['zh-Hant'] > score['zh-Hans'] && strong['zh-Hant'] > 0) return 'zh-Hant';
    return 'unknown';
  };

  return { detect, evidence };
}

/** The script the user wrote in; builds its OpenCC converters once. See {@link createScriptAnalyzer}. */
export function createScriptDetector(): (text: string) => DetectedScript {
  return createScriptAnalyzer().detect;
}

function hasEnglishWords(text: string): boolean {
  return text
    .split(/\s+/u)
    .filter((chunk) => chunk !== '' && !/\d/u.test(chunk) && !chunk.startsWith('/') && !/[@:]/u.test(chunk))
    .flatMap((chunk) => chunk.match(/[a-z]+(?:['’][a-z]+)*/giu) ?? [])
    .some((word) => word.length >= 2 && !NEUTRAL_WORDS.has(word.toLowerCase()));
}
