/** WeCom measures its limits in UTF-8 bytes: a Chinese character costs 3, an emoji 4 or more. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, ending in "…" when it was cut. Cuts fall between
 * grapheme clusters, so no character, surrogate pair or emoji sequence is split (a split one
 * shows as "�" or makes WeCom refuse the body).
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(ELLIPSIS);
  if (budget <= 0) return '';
  let kept = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const size = utf8Bytes(segment);
    if (used + size > budget) break;
    kept += segment;
    used += size;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/**
 * `text` in pieces of at most `maxBytes` bytes each, preferring to break after a line, then
 * between graphemes. Nothing is lost, unlike truncateUtf8.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (utf8Bytes(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let current = '';
  let used = 0;
  const flush = () => {
    if (current.trim() !== '') pieces.push(current.replace(/\n+$/, ''));
    current = '';
    used = 0;
  };
  for (const line of text.split(/(?<=\n)/)) {
    const size = utf8Bytes(line);
    if (used + size <= maxBytes) {
      current += line;
      used += size;
      continue;
    }
    flush();
    if (size <= maxBytes) {
      current = line;
      used = size;
      continue;
    }
    for (const { segment } of segmenter.segment(line)) {
      const bytes = utf8Bytes(segment);
      if (used + bytes > maxBytes) flush();
      current += segment;
      used += bytes;
    }
  }
  flush();
  return pieces;
}
