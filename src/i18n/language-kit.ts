import type { ReplyRenderer, TextAnalysis } from '../application/conversation-service';
import type { Policy } from '../config/policy.schema';
import type { Catalog } from '../conversation/catalog';
import { buildCatalog } from './catalog';
import { createRenderer } from './render';
import { createScriptDetector } from './script-detection';
import { createCharacterTraditionalizer, createSimplifier, createTraditionalizer } from './simplify';
import { createTranslator, type Translator } from './translator';

export interface LanguageKit {
  analysis: TextAnalysis;
  renderer: ReplyRenderer;
  catalog: Catalog;
  translator: Translator;
}

/** Everything language: built once at start-up, since OpenCC converters are costly to build. */
export async function createLanguageKit(policy: Policy, options: { localesDir?: string } = {}): Promise<LanguageKit> {
  const simplify = createSimplifier();
  const detect = createScriptDetector();
  const translator = await createTranslator(options.localesDir ? { localesDir: options.localesDir } : {});
  return {
    analysis: { detect, simplify },
    renderer: createRenderer(translator, policy.timeZone, { toSimplified: simplify, toTraditional: createCharacterTraditionalizer() }),
    catalog: buildCatalog(policy, { toTraditional: createTraditionalizer(), simplify }),
    translator,
  };
}
