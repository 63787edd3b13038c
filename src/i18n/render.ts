import type { ReplyRenderer } from '../application/conversation-service';
import type { Locale, Reply } from '../conversation/messages';
import type { Say, Text } from '../conversation/text';

/** The part of the translator rendering needs. */
export interface Translate {
  t(locale: Locale, key: string, params?: Record<string, string | number>): string;
}

const LOCALES: readonly Locale[] = ['zh-Hans', 'zh-Hant', 'en'];
const INTL_LOCALE: Record<Locale, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en-GB' };

/** Character-level conversion for quoting someone's words in the reader's script. */
export interface ScriptConverters {
  toSimplified: (text: string) => string;
  toTraditional: (text: string) => string;
}

/** Renders the engine's texts in one script; dates in the deployment's time zone. */
export function createRenderer(translator: Translate, timeZone: string, converters?: ScriptConverters): ReplyRenderer {
  const formats = new Map<string, Intl.DateTimeFormat>();
  const formatDate = (iso: string, style: 'date' | 'dateTime', locale: Locale) => {
    const id = `${locale}:${style}`;
    let format = formats.get(id);
    if (!format) {
      format = new Intl.DateTimeFormat(INTL_LOCALE[locale], {
        timeZone,
        year: 'numeric',
        month: 'long',
        day: 'numeric',
        ...(style === 'dateTime' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
      });
      formats.set(id, format);
    }
    return format.format(new Date(iso));
  };

  const resolve = (text: Text, locale: Locale): string => {
    if ('raw' in text) return text.raw;
    if ('quote' in text) {
      if (!converters || locale === 'en') return text.quote;
      return locale === 'zh-Hant' ? converters.toTraditional(text.quote) : converters.toSimplified(text.quote);
    }
    if ('literal' in text) return text.literal[locale];
    if ('date' in text) return formatDate(text.date, text.style, locale);
    const params = text.params
      ? Object.fromEntries(Object.entries(text.params).map(([name, value]) => [name, typeof value === 'object' ? resolve(value, locale) : value]))
      : undefined;
    return translator.t(locale, text.key, params);
  };

  const renderOne = (said: Say, locale: Locale): Reply => {
    switch (said.kind) {
      case 'text':
        return { kind: 'text', text: resolve(said.text, locale) };
      case 'choices':
        return {
          kind: 'choices',
          text: resolve(said.text, locale),
          choices: said.choices.map((choice) => ({ id: choice.id, label: resolve(choice.label, locale) })),
          ...(said.freeText ? { freeText: true } : {}),
        };
      case 'caseCard':
        return {
          kind: 'caseCard',
          card: { title: resolve(said.title, locale), lines: said.lines.map((line) => ({ label: resolve(line.label, locale), value: resolve(line.value, locale) })) },
        };
    }
  };

  return {
    render: (says, locale) => says.map((said) => renderOne(said, locale)),
    spell: (text) => LOCALES.map((locale) => resolve(text, locale)),
  };
}
