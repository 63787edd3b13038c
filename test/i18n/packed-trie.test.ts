import { PackedTrie } from '../../src/i18n/packed-trie';

function trie(...group: string[]): PackedTrie {
  const packed = new PackedTrie();
  packed.loadDictGroup(group);
  return packed;
}

describe('PackedTrie', () => {
  it('finds the longest source at a position, not just any', () => {
    const packed = trie('面 麪|面条 麪條|方便面 方便麪');
    expect(packed.matchPrefix('方便面条', 0)).toEqual({ end: 3, value: '方便麪' });
    expect(packed.matchPrefix('方便面条', 2)).toEqual({ end: 4, value: '麪條' });
    expect(packed.matchPrefix('方便', 0)).toBeNull();
    expect(packed.matchPrefix('', 0)).toBeNull();
  });

  it('lets the first dictionary of a group win a source both define, as opencc-js does', () => {
    const packed = trie('干 幹', '干 乾|干净 乾淨');
    expect(packed.matchPrefix('干活', 0)?.value).toBe('幹');
    expect(packed.matchPrefix('干净', 0)?.value).toBe('乾淨');
  });

  it('matches characters outside the BMP by their whole surrogate pair', () => {
    const packed = trie('𠮷 吉|𠮷野家 吉野家');
    expect(packed.matchPrefix('去𠮷野家', 1)).toEqual({ end: 5, value: '吉野家' });
    expect(packed.convert('𠮷祥')).toBe('吉祥');
  });

  it("converts and segments through opencc-js' own loops", () => {
    const packed = trie('头发 頭髮|发 發|理发 理髮');
    expect(packed.convert('头发要理发了，发票呢')).toBe('頭髮要理髮了，發票呢');
    expect(packed.segment('头发要理发')).toEqual(['头发', '要', '理发']);
  });

  it('takes its dictionaries once', () => {
    const packed = trie('a b');
    expect(() => packed.loadDictGroup(['c d'])).toThrow(/loaded once/);
  });
});
