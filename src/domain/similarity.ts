/**
 * How alike two complaints read, from 0 to 1: the Dice coefficient of their character pairs.
 * Works for Chinese without word segmentation; compare simplified copies so script does not matter.
 */
export function textSimilarity(a: string, b: string): number {
  const left = bigrams(a);
  const right = bigrams(b);
  if (left.size === 0 || right.size === 0) return a.trim() !== '' && a.trim() === b.trim() ? 1 : 0;
  let shared = 0;
  for (const [pair, count] of left) shared += Math.min(count, right.get(pair) ?? 0);
  return (2 * shared) / (total(left) + total(right));
}

function bigrams(text: string): Map<string, number> {
  const chars = [...text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '')];
  const pairs = new Map<string, number>();
  for (let i = 0; i + 1 < chars.length; i += 1) {
    const pair = chars[i]! + chars[i + 1]!;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}

function total(pairs: Map<string, number>): number {
  let sum = 0;
  for (const count of pairs.values()) sum += count;
  return sum;
}
