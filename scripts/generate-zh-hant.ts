// Writes locales/zh-Hant/*.json from locales/zh-Hans/*.json (OpenCC cn→twp, Taiwan phrases)
// plus the reviewed fixes in locales/zh-Hant.overrides.json: `npm run locales`.
// `npm run locales -- --check` writes nothing and exits 1 if a committed zh-Hant file is stale.
// Options: --locales <dir> (default: the repository's locales/).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createZhHantGenerator,
  diffLocales,
  parseLocale,
  parseZhHantOverrides,
  serializeLocale,
  unusedTerms,
  type LocaleTree,
} from '../src/i18n/zh-hant-generator';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const dirFlag = argv.indexOf('--locales');
  const localesDir = path.resolve(dirFlag >= 0 && argv[dirFlag + 1] ? argv[dirFlag + 1]! : path.join(__dirname, '..', 'locales'));
  const sourceDir = path.join(localesDir, 'zh-Hans');
  const targetDir = path.join(localesDir, 'zh-Hant');
  const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

  const overrides = parseZhHantOverrides(readJson(path.join(localesDir, 'zh-Hant.overrides.json')));
  const generate = createZhHantGenerator();
  const files = readdirSync(sourceDir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no .json files in ${sourceDir}`);

  let stale = 0;
  const unused = new Set(Object.keys(overrides.terms));
  for (const file of files) {
    const source = parseLocale(readJson(path.join(sourceDir, file)), `zh-Hans/${file}`);
    const generated = generate(source, overrides);
    const text = serializeLocale(generated);
    const targetFile = path.join(targetDir, file);
    const unusedHere = new Set(unusedTerms(source, overrides));
    for (const term of unused) if (!unusedHere.has(term)) unused.delete(term);

    if (!check) {
      mkdirSync(targetDir, { recursive: true });
      const before = existsSync(targetFile) ? readFileSync(targetFile, 'utf8') : undefined;
      if (before !== text) writeFileSync(targetFile, text);
      console.log(`${before === text ? 'unchanged' : 'wrote'} ${path.relative(process.cwd(), targetFile)}`);
      continue;
    }
    if (!existsSync(targetFile)) {
      console.error(`zh-Hant/${file} is missing`);
      stale += 1;
      continue;
    }
    const committedText = readFileSync(targetFile, 'utf8');
    if (committedText === text) continue;
    stale += 1;
    let committed: LocaleTree | undefined;
    try {
      committed = parseLocale(JSON.parse(committedText), `zh-Hant/${file}`);
    } catch (error) {
      console.error(`zh-Hant/${file} cannot be read: ${(error as Error).message}`);
      continue;
    }
    const keys = diffLocales(generated, committed);
    console.error(
      keys.length > 0
        ? `zh-Hant/${file} differs from the generator at: ${keys.join(', ')}`
        : `zh-Hant/${file} has the generated strings but not the generated layout (2-space JSON, key order, trailing newline)`,
    );
  }

  if (!check && unused.size > 0) console.log(`note: override terms no zh-Hans string uses yet: ${[...unused].join(' ')}`);
  if (stale > 0) {
    console.error('The committed zh-Hant locale is not what the generator writes: run `npm run locales` and commit the result (never edit zh-Hant by hand; fix zh-Hans or locales/zh-Hant.overrides.json).');
    return 1;
  }
  if (check) console.log(`zh-Hant is up to date (${files.join(', ')})`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
}
