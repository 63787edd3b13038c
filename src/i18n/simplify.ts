import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };

// opencc-js is an ES module with a CommonJS build; only its types need the ESM resolution.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js') as typeof OpenCCModule;

export type Simplify = (text: string) => string;

/**
 * Traditional (Taiwan or Hong Kong usage) → simplified, for search and duplicate detection.
 * Building a converter costs ~100 ms and tens of MB, so build it once and pass it around.
 */
export function createSimplifier(): Simplify {
  // Character level, not Taiwan phrases: twp would turn 查詢 into 查找 and 資訊 into 信息, changing the words.
  const fromTaiwan = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const fromHongKong = OpenCC.Converter({ from: 'hk', to: 'cn' });
  return (text) => fromHongKong(fromTaiwan(text));
}

/** Simplified → traditional with Taiwan phrasing, for config wording given only in simplified. */
export function createTraditionalizer(): Simplify {
  return OpenCC.Converter({ from: 'cn', to: 'twp' });
}

/** Simplified → traditional character by character (Taiwan forms), keeping the writer's own words. */
export function createCharacterTraditionalizer(): Simplify {
  return OpenCC.Converter({ from: 'cn', to: 'tw' });
}
