import { loadConfig, type AppConfig } from '../../src/config/load-config';

let cached: AppConfig | undefined;

/** The shipped defaults of config/, parsed once per test file. */
export function defaultConfig(): AppConfig {
  cached ??= loadConfig({ env: {}, configDir: 'config', now: new Date('2026-06-01T00:00:00Z') });
  return cached;
}
