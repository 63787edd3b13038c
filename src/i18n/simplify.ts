import { converter } from './opencc';

export type Simplify = (text: string) => string;

/**
 * Traditional (Taiwan or Hong Kong usage) → simplified, for search and duplicate detection.
 * The converters are shared process-wide (src/i18n/opencc.ts).
 */
export function createSimplifier(): Simplify {
  // Character level, not Taiwan phrases: twp would turn 查詢 into 查找 and 資訊 into 信息, changing the words.
  const fromTaiwan = converter('tw', 'cn');
  const fromHongKong = converter('hk', 'cn');
  return (text) => fromHongKong(fromTaiwan(text));
}

/** Simplified → traditional with Taiwan phrasing, for config wording given only in simplified. */
export function createTraditionalizer(): Simplify {
  return converter('cn', 'twp');
}

/** Simplified → traditional character by character (Taiwan forms), keeping the writer's own words. */
export function createCharacterTraditionalizer(): Simplify {
  return converter('cn', 'tw');
}
