import { readFileSync } from 'node:fs';
import { envSchema } from '../src/config/env.schema';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it.each(Object.keys(envSchema.shape))('documents the %s setting', (key) => {
    const description = envSchema.shape[key as keyof typeof envSchema.shape].description!;
    expect(readme).toContain(`| \`${key}\` |`);
    expect(readme).toContain(description);
  });

  it('shows the two commands a newcomer needs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
