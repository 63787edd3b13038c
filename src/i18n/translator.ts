import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { flattenLocale, parseLocale } from './zh-hant-generator';

export type Locale = 'zh-Hans' | 'zh-Hant' | 'en';

export const LOCALES: readonly Locale[] = ['zh-Hans', 'zh-Hant', 'en'];

export type TranslationParams = Record<string, string | number>;

export interface Translator {
  /**
   * The text of `key` in `locale`, with `{{params}}` filled in as given (not HTML-escaped: chat
   * text is not HTML, and values are never interpreted as `$t()` nesting or `{{…}}`).
   * Not strict: a key missing in `locale` falls back zh-Hant → zh-Hans (en → zh-Hans), and to the
   * key itself if no locale has it. Strict: throws {@link MissingTranslationError} instead, and
   * also when a `{{param}}` of the text is not given.
   */
  t(locale: Locale, key: string, params?: TranslationParams): string;
  locales: readonly Locale[];
  /** Whether `locale` itself has the string (no fallback), e.g. `has('zh-Hant', 'menu.welcome')`. */
  has(locale: Locale, key: string): boolean;
  /** The flattened dotted keys of `locale` (no fallback), in file order; other namespaces as `ns:key`. */
  keys(locale: Locale): string[];
}

export interface TranslatorOptions {
  /** Holds `<locale>/<namespace>.json` for every locale; default: the repository's `locales/`. */
  localesDir?: string;
  /** Throw on a key missing in the asked locale or a missing param, instead of falling back. Use in tests. */
  strict?: boolean;
  /** Told about every key missing in the asked locale before falling back (not strict), e.g. to log it. */
  onMissing?: (locale: Locale, key: string) => void;
}

export class MissingTranslationError extends Error {
  constructor(
    readonly locale: Locale,
    readonly key: string,
    detail: string,
  ) {
    super(`${locale} "${key}": ${detail}`);
    this.name = 'MissingTranslationError';
  }
}

const DEFAULT_NAMESPACE = 'translation';
// src/i18n or dist/i18n → the repository root.
const DEFAULT_LOCALES_DIR = path.join(__dirname, '..', '..', 'locales');

/** Loads every locale's JSON files into its own i18next instance. */
export async function createTranslator(options: TranslatorOptions = {}): Promise<Translator> {
  const localesDir = options.localesDir ?? DEFAULT_LOCALES_DIR;
  const resources: Record<string, Record<string, object>> = {};
  const strings = new Map<Locale, Map<string, string>>();
  const namespaces = new Set<string>();

  for (const locale of LOCALES) {
    const dir = path.join(localesDir, locale);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    if (files.length === 0) throw new Error(`no locale files in ${dir}`);
    const bundle: Record<string, object> = {};
    const flat = new Map<string, string>();
    for (const file of files) {
      const ns = file.slice(0, -'.json'.length);
      const tree = parseLocale(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), `${locale}/${file}`);
      bundle[ns] = tree;
      namespaces.add(ns);
      for (const [key, value] of flattenLocale(tree)) flat.set(ns === DEFAULT_NAMESPACE ? key : `${ns}:${key}`, value);
    }
    resources[locale] = bundle;
    strings.set(locale, flat);
  }

  const instance = i18next.createInstance();
  await instance.init({
    resources,
    supportedLngs: [...LOCALES],
    // Telegram and browsers send zh-TW / zh-HK: serve them zh-Hant, then simplified.
    fallbackLng: {
      'zh-TW': ['zh-Hant', 'zh-Hans'],
      'zh-HK': ['zh-Hant', 'zh-Hans'],
      'zh-MO': ['zh-Hant', 'zh-Hans'],
      'zh-Hant': ['zh-Hans'],
      default: ['zh-Hans'],
    },
    load: 'currentOnly',
    ns: [...namespaces],
    defaultNS: DEFAULT_NAMESPACE,
    initAsync: false,
    returnNull: false,
    returnEmptyString: true,
    interpolation: { escapeValue: false, skipOnVariables: true },
  });

  const fixed = new Map<Locale, TFunction>();
  const fixedT = (locale: Locale): TFunction => {
    let t = fixed.get(locale);
    if (t === undefined) {
      t = instance.getFixedT(locale);
      fixed.set(locale, t);
    }
    return t;
  };
  const table = (locale: Locale): Map<string, string> => {
    const found = strings.get(locale);
    if (found === undefined) throw new Error(`unsupported locale ${String(locale)}`);
    return found;
  };

  const has = (locale: Locale, key: string): boolean => table(locale).has(key);

  // A text without parameters always renders the same: most prompts and button labels are such.
  const plain = new Map<string, string>();

  const t = (locale: Locale, key: string, params: TranslationParams = {}): string => {
    const noParams = Object.keys(params).length === 0;
    const plainKey = `${locale}\u0000${key}`;
    if (noParams) {
      const rendered = plain.get(plainKey);
      if (rendered !== undefined) return rendered;
    }
    const text = table(locale).get(key);
    if (text === undefined) {
      if (options.strict) throw new MissingTranslationError(locale, key, 'no such key in this locale');
      options.onMissing?.(locale, key);
    } else if (options.strict) {
      const missing = interpolationNames(text).filter((name) => !Object.hasOwn(params, name));
      if (missing.length > 0) throw new MissingTranslationError(locale, key, `no value for {{${missing.join('}}, {{')}}}`);
    }
    // Values go in `replace`, so a param called `lng` or `ns` is text like any other; `count`
    // also goes on top so i18next can pick a plural form where a locale defines one.
    const count = params.count;
    const rendered = fixedT(locale)(key, { replace: params, ...(typeof count === 'number' ? { count } : {}) }) as string;
    if (noParams && text !== undefined) plain.set(plainKey, rendered);
    return rendered;
  };

  return { t, has, keys: (locale) => [...table(locale).keys()], locales: LOCALES };
}

/** The interpolation names in a text: `{{number}}`, `{{- raw}}` and `{{value, format}}` give number, raw, value. */
export function interpolationNames(text: string): string[] {
  const names = [...text.matchAll(/\{\{([^{}]*)\}\}/gu)].map((m) => (m[1] ?? '').replace(/^\s*-/u, '').split(',')[0]?.trim() ?? '');
  return [...new Set(names.filter((name) => name !== ''))];
}

/**
 * A client's language code (Telegram `language_code`, Accept-Language) → a locale we serve, or
 * undefined. zh-TW / zh-HK / zh-MO / zh-Hant-* → zh-Hant; other zh → zh-Hans; en-* → en.
 */
export function localeFromLanguageCode(code: string | undefined): Locale | undefined {
  const parts = (code ?? '').trim().toLowerCase().replace(/_/gu, '-').split('-');
  if (parts[0] === 'en') return 'en';
  if (parts[0] !== 'zh') return undefined;
  if (parts.includes('hant') || parts.includes('tw') || parts.includes('hk') || parts.includes('mo')) return 'zh-Hant';
  return 'zh-Hans';
}
