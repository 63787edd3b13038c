import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js') as typeof OpenCCModule;

type DictGroup = OpenCCModule.DictGroup;
// The three methods below override the base class' own (its types reach this file as `any`,
// so TypeScript cannot check `override`).
const Trie: new () => OpenCCModule.Trie = OpenCC.Trie;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * An OpenCC dictionary that the garbage collector does not have to walk.
 *
 * opencc-js keeps each dictionary as a trie of `Map`s, one per node: the app's seven directions
 * hold about 390,000 entries as millions of small objects (≈ 45 MB of heap), and every major
 * collection marks them all again: a full collection took 35 ms with them and 4 ms without. Under
 * webhook load a major collection runs about once a second, and on a 2-core machine its marking
 * is time taken from the requests in flight. Here the entries are two long strings (sources,
 * replacements) indexed by typed arrays: an open-addressing hash table of the sources, and for
 * each first character the longest source starting with it.
 *
 * Only the lookup changes: `segment` and `convert` stay opencc-js' own, and they ask
 * `matchPrefix` for the longest source at a position, as its trie answers it (the entry a later
 * dictionary of a group gives for the same source is overridden by an earlier one's, as there).
 * test/i18n/opencc.test.ts checks every direction against `OpenCC.Converter`.
 */
export class PackedTrie extends Trie {
  private pending: Map<string, string> | null = new Map();
  private sources = '';
  private replacements = '';
  /** Entry e's source is sources[sourceAt[e], sourceAt[e + 1]); likewise its replacement. */
  private sourceAt = new Int32Array(1);
  private replacementAt = new Int32Array(1);
  /** Hash slot → entry + 1 (0 = empty); its length is a power of two. */
  private slots = new Int32Array(1);
  /** First UTF-16 unit → length of the longest source that starts with it (0: none does). */
  private readonly longestFrom = new Uint16Array(0x10000);
  /** Hashes of the prefixes at the position being matched; a scratch buffer. */
  private prefixHashes = new Int32Array(1);
  /** opencc-js' own, through the `matchPrefix` below. */
  declare convert: (text: string) => string;
  declare segment: (text: string) => string[];

  addWord(source: string, replacement: string): void {
    if (!this.pending) throw new Error('PackedTrie: dictionaries are loaded once, with loadDictGroup');
    this.pending.set(source, replacement);
  }

  loadDictGroup(group: DictGroup): void {
    super.loadDictGroup(group);
    this.pack();
  }

  matchPrefix(text: string, offset: number): { end: number; value: string } | null {
    const limit = Math.min(this.longestFrom[text.charCodeAt(offset)] ?? 0, text.length - offset);
    if (limit === 0) return null;
    const hashes = this.prefixHashes;
    let hash = FNV_OFFSET;
    for (let length = 1; length <= limit; length++) {
      hash = Math.imul(hash ^ text.charCodeAt(offset + length - 1), FNV_PRIME);
      hashes[length] = hash;
    }
    for (let length = limit; length >= 1; length--) {
      const entry = this.find(text, offset, length, hashes[length]!);
      if (entry >= 0) return { end: offset + length, value: this.replacements.slice(this.replacementAt[entry], this.replacementAt[entry + 1]) };
    }
    return null;
  }

  private find(text: string, offset: number, length: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) return -1;
      const start = this.sourceAt[entry]!;
      if (this.sourceAt[entry + 1]! - start === length && this.sameText(text, offset, start, length)) return entry;
    }
  }

  private sameText(text: string, offset: number, start: number, length: number): boolean {
    for (let i = 0; i < length; i++) if (text.charCodeAt(offset + i) !== this.sources.charCodeAt(start + i)) return false;
    return true;
  }

  private pack(): void {
    const entries = [...(this.pending ?? [])].filter(([source]) => source.length > 0);
    this.pending = null;
    this.sources = entries.map(([source]) => source).join('');
    this.replacements = entries.map(([, replacement]) => replacement).join('');
    this.sourceAt = new Int32Array(entries.length + 1);
    this.replacementAt = new Int32Array(entries.length + 1);
    let capacity = 1;
    while (capacity < entries.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    let longest = 0;
    entries.forEach(([source, replacement], entry) => {
      this.sourceAt[entry + 1] = this.sourceAt[entry]! + source.length;
      this.replacementAt[entry + 1] = this.replacementAt[entry]! + replacement.length;
      const first = source.charCodeAt(0);
      this.longestFrom[first] = Math.max(this.longestFrom[first]!, source.length);
      longest = Math.max(longest, source.length);
      let hash = FNV_OFFSET;
      for (let i = 0; i < source.length; i++) hash = Math.imul(hash ^ source.charCodeAt(i), FNV_PRIME);
      let slot = hash & (capacity - 1);
      while (this.slots[slot] !== 0) slot = (slot + 1) & (capacity - 1);
      this.slots[slot] = entry + 1;
    });
    this.prefixHashes = new Int32Array(longest + 1);
  }
}
