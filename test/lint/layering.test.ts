import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const TIMEOUT_MS = 60_000;

/** Runs the project's dependency-cruiser rules over `target` (relative to the repo root). */
function cruise(target: string): { status: number | null; output: string } {
  const result = spawnSync(DEPCRUISE, [target, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('layering rules (.dependency-cruiser.cjs)', () => {
  describe('on the deliberate violations in test/fixtures/layering/src', () => {
    let run: ReturnType<typeof cruise>;

    beforeAll(() => {
      run = cruise('test/fixtures/layering/src');
    }, TIMEOUT_MS);

    it('fails', () => {
      expect(run.status).not.toBe(0);
      expect(run.status).not.toBeNull();
    });

    it.each([
      ['core-imports-edge-library', 'domain/leaky-rule.ts', 'express'],
      ['core-imports-edge-folder', 'domain/leaky-rule.ts', 'http/health-route.ts'],
      ['core-imports-node-io', 'conversation/reads-files.ts', 'fs'],
    ])('reports %s for %s importing %s', (rule, from, to) => {
      const line = run.output.split('\n').find((l) => l.includes(`${rule}: test/fixtures/layering/src/${from}`));
      expect(line).toBeDefined();
      expect(line).toContain(to);
    });
  });

  it(
    'passes on src',
    () => {
      const run = cruise('src');
      expect(run.output).not.toMatch(/error core-imports/);
      expect(run.status).toBe(0);
    },
    TIMEOUT_MS,
  );
});
