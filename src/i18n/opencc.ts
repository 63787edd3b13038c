import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };
import { PackedTrie } from './packed-trie';

// opencc-js is an ES module with a CommonJS build; only its types need the ESM resolution.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js') as typeof OpenCCModule;

export type Convert = (text: string) => string;

type Trie = OpenCCModule.Trie;
type Dict = OpenCCModule.DictLike;
type Group = OpenCCModule.DictGroup;
/** opencc-js 1.4's preset for a direction; its .d.ts leaves out normalizationChain. */
interface Preset {
  normalizationChain?: readonly Group[];
  segmentation?: Dict | Group;
  conversionChain: readonly Group[];
}

/**
 * OpenCC converters that share their dictionaries' tries.
 *
 * `OpenCC.Converter({from, to})` builds every trie it needs afresh, and the big ones are the
 * same for every simplified→traditional direction: the phrase + character trie (≈ 45 MB) and the
 * phrase segmentation trie (≈ 40 MB) serve cn→t, cn→tw, cn→hk and cn→twp alike. The app needs
 * seven directions (script detection, search, rendering), which cost ≈ 200 MB built one by one
 * and ≈ 90 MB shared; as PackedTries (packed-trie.ts: strings and typed arrays instead of a `Map`
 * per node) they take ≈ 1 MB of heap and nothing for the garbage collector to walk. The
 * composition is opencc-js 1.4's own (`Locale.configs`: normalize, segment by phrases, run each
 * segment through the conversion chain); test/i18n/opencc.test.ts checks that every direction
 * converts exactly like `OpenCC.Converter`.
 *
 * Each direction is built on first use and kept for the life of the process.
 */
export function converter(from: string, to: string): Convert {
  const key = `${from}→${to}`;
  const built = converters.get(key);
  if (built) return built;
  const preset = presetFor(from, to);
  const convert: Convert = preset ? fromPreset(preset) : OpenCC.Converter({ from, to });
  converters.set(key, convert);
  return convert;
}

const converters = new Map<string, Convert>();
const tries = new Map<string, Trie>();
const dictIds = new Map<Dict, number>();

/** The preset opencc-js 1.4's Converter uses for a direction (its own naming: s2tw, tw2s, …). */
function presetFor(from: string, to: string): Preset | undefined {
  const name = from === 'cn' ? `s2${to}` : to === 'cn' ? (from === 'hkp' ? 'hk2sp' : from === 'twp' ? 'tw2sp' : `${from}2s`) : `${from}2${to}`;
  return (OpenCC.Locale.configs as Record<string, Preset> | undefined)?.[name];
}

function fromPreset(preset: Preset): Convert {
  const segmentation = preset.segmentation === undefined ? undefined : trieOf(asGroup(preset.segmentation));
  const chain = preset.conversionChain.map(trieOf);
  const convertSegments: Convert = (text) => {
    let segments: string[] = segmentation ? segmentation.segment(text) : [text];
    for (const trie of chain) segments = segments.map((segment) => trie.convert(segment));
    return segments.join('');
  };
  if (!preset.normalizationChain) return convertSegments;
  const normalization = preset.normalizationChain.map(trieOf);
  return (text) => convertSegments(normalization.reduce((result, trie) => trie.convert(result), text));
}

/** A segmentation entry is one dictionary or a group of them. */
function asGroup(segmentation: Dict | Group): Group {
  return Array.isArray(segmentation) && segmentation.every((dict) => typeof dict === 'string') ? (segmentation as readonly string[]) : [segmentation as Dict];
}

/** One trie per distinct group of dictionaries (the presets hold the same dictionary objects). */
function trieOf(group: Group): Trie {
  const key = group.map(dictId).join(',');
  let trie = tries.get(key);
  if (!trie) {
    trie = new PackedTrie();
    trie.loadDictGroup(group);
    tries.set(key, trie);
  }
  return trie;
}

function dictId(dict: Dict): number {
  let id = dictIds.get(dict);
  if (id === undefined) {
    id = dictIds.size;
    dictIds.set(dict, id);
  }
  return id;
}
