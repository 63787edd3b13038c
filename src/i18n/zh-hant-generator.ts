import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };

/** A locale file: nested objects whose leaves are strings (i18next's JSON v4 layout). */
export interface LocaleTree {
  [key: string]: string | LocaleTree;
}

/**
 * `locales/zh-Hant.overrides.json`, reviewed by people who read Taiwan Chinese.
 *  - terms: simplified source term → the zh-Hant text to write for it, instead of what
 *    OpenCC cn→twp would write. Matched in the zh-Hans text, longest term first, outside
 *    `{{placeholders}}`; the replacement is written verbatim and not converted.
 *  - keys: whole strings that must not be a conversion at all (e.g. "switched to simplified"
 *    becomes "switched to traditional"). `source` is the zh-Hans text the override was written
 *    for: when the zh-Hans text changes the generator stops, so the override is looked at again.
 */
export interface ZhHantOverrides {
  terms: Readonly<Record<string, string>>;
  keys: Readonly<Record<string, { source: string; value: string }>>;
}

export type ZhHantGenerator = (source: LocaleTree, overrides: ZhHantOverrides) => LocaleTree;

/** `{{param}}` (i18next interpolation, with format options) and `$t(key)` (nesting) pass through unconverted. */
const PROTECTED = /(\{\{[^{}]*\}\}|\$t\([^()]*\))/u;

/** Builds the cn→twp converter once (~100 ms); the returned function is pure. */
export function createZhHantGenerator(): ZhHantGenerator {
  // Required here, not at the top: the translator uses this module's file helpers and should
  // not load OpenCC's dictionaries. opencc-js is an ES module with a CommonJS build; only its
  // types need the ESM resolution.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const OpenCC = require('opencc-js') as typeof OpenCCModule;
  const toTaiwan = OpenCC.Converter({ from: 'cn', to: 'twp' });

  const convertText = (text: string, terms: readonly string[], replacements: ZhHantOverrides['terms']): string => {
    let out = '';
    let plain = '';
    for (let i = 0; i < text.length; ) {
      const term = terms.find((candidate) => text.startsWith(candidate, i));
      if (term === undefined) {
        plain += text[i];
        i += 1;
        continue;
      }
      out += toTaiwan(plain) + (replacements[term] ?? term);
      plain = '';
      i += term.length;
    }
    return out + toTaiwan(plain);
  };

  return (source, overrides) => {
    // Longest first, so 举报人信息 wins over 举报 and 用户名 over 用户.
    const terms = Object.keys(overrides.terms)
      .filter((term) => term !== '')
      .sort((a, b) => b.length - a.length || a.localeCompare(b));
    const keyOverrides = new Map(Object.entries(overrides.keys));

    const convertValue = (value: string, key: string): string => {
      const whole = keyOverrides.get(key);
      if (whole !== undefined) {
        if (whole.source !== value) {
          throw new Error(
            `zh-Hant override for "${key}" was written for ${JSON.stringify(whole.source)} but zh-Hans now says ${JSON.stringify(value)}: update "keys" in the overrides file`,
          );
        }
        keyOverrides.delete(key);
        return whole.value;
      }
      return value
        .split(PROTECTED)
        .map((part, index) => (index % 2 === 1 ? part : convertText(part, terms, overrides.terms)))
        .join('');
    };

    const walk = (tree: LocaleTree, prefix: string): LocaleTree => {
      const out: LocaleTree = {};
      for (const [name, value] of Object.entries(tree)) {
        const key = prefix + name;
        if (typeof value === 'string') out[name] = convertValue(value, key);
        else if (isLocaleTree(value)) out[name] = walk(value, `${key}.`);
        else throw new Error(`zh-Hans "${key}" is neither a string nor an object`);
      }
      return out;
    };

    const result = walk(source, '');
    if (keyOverrides.size > 0) {
      throw new Error(`zh-Hant overrides for keys zh-Hans does not have: ${[...keyOverrides.keys()].join(', ')}`);
    }
    return result;
  };
}

let shared: ZhHantGenerator | undefined;

/** zh-Hans locale tree → zh-Hant (Taiwan wording) tree with the same keys. */
export function generateZhHant(source: LocaleTree, overrides: ZhHantOverrides): LocaleTree {
  shared ??= createZhHantGenerator();
  return shared(source, overrides);
}

/** Validates the parsed overrides file; keys starting with `$` (such as `$comment`) are notes. */
export function parseZhHantOverrides(json: unknown): ZhHantOverrides {
  const fail = (why: string): never => {
    throw new Error(`zh-Hant overrides file: ${why}`);
  };
  if (!isPlainObject(json)) return fail('expected an object');
  const unknownKeys = Object.keys(json).filter((k) => !k.startsWith('$') && k !== 'terms' && k !== 'keys');
  if (unknownKeys.length > 0) fail(`unknown top-level keys ${unknownKeys.join(', ')}`);
  const terms: Record<string, string> = {};
  for (const [term, value] of Object.entries(asObject(json.terms ?? {}, 'terms', fail))) {
    if (term.startsWith('$')) continue;
    if (typeof value !== 'string') fail(`terms["${term}"] must be a string`);
    else if (term === '') fail('terms has an empty term');
    else terms[term] = value;
  }
  const keys: Record<string, { source: string; value: string }> = {};
  for (const [key, entry] of Object.entries(asObject(json.keys ?? {}, 'keys', fail))) {
    if (key.startsWith('$')) continue;
    if (!isPlainObject(entry) || typeof entry.source !== 'string' || typeof entry.value !== 'string') {
      fail(`keys["${key}"] must be { "source": string, "value": string }`);
    } else {
      keys[key] = { source: entry.source, value: entry.value };
    }
  }
  return { terms, keys };
}

/** Terms of the overrides file that no zh-Hans string uses (worth a look, not an error). */
export function unusedTerms(source: LocaleTree, overrides: ZhHantOverrides): string[] {
  const texts = [...flattenLocale(source).values()].map((value) => value.split(PROTECTED).filter((_, i) => i % 2 === 0).join('\n'));
  return Object.keys(overrides.terms).filter((term) => !texts.some((text) => text.includes(term)));
}

/** Dotted key → string, in file order. */
export function flattenLocale(tree: LocaleTree, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string') flat.set(prefix + name, value);
    else for (const [key, leaf] of flattenLocale(value, `${prefix}${name}.`)) flat.set(key, leaf);
  }
  return flat;
}

/** Dotted keys whose value differs, or that only one side has (nesting included). */
export function diffLocales(expected: LocaleTree, actual: LocaleTree): string[] {
  const a = flattenLocale(expected);
  const b = flattenLocale(actual);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.filter((key) => a.get(key) !== b.get(key));
}

/** How locale files are written: 2-space JSON and a trailing newline. */
export function serializeLocale(tree: LocaleTree): string {
  return `${JSON.stringify(tree, null, 2)}\n`;
}

/** Parses a locale file, checking it is nested objects of strings. */
export function parseLocale(json: unknown, what: string): LocaleTree {
  if (!isLocaleTree(json)) throw new Error(`${what}: expected nested objects whose leaves are strings`);
  return json;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLocaleTree(value: unknown): value is LocaleTree {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string' || isLocaleTree(v));
}

function asObject(value: unknown, what: string, fail: (why: string) => never): Record<string, unknown> {
  return isPlainObject(value) ? value : fail(`${what} must be an object`);
}
