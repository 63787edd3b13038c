import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../src/config/config-error';
import { envSchema } from '../../src/config/env.schema';
import { loadConfig } from '../../src/config/load-config';
import { isWorkingDay } from '../../src/domain/working-calendar';

const SHIPPED = 'config';

const tempDirs: string[] = [];

/** A copy of the shipped config/ in a fresh temp folder, removed after the file's tests. */
function copyOfShippedConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'load-config-test-'));
  tempDirs.push(dir);
  cpSync(SHIPPED, dir, { recursive: true });
  return dir;
}

/** Replaces exactly one occurrence of `from`, so a test fails loudly if the shipped file changes. */
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  const first = text.indexOf(from);
  if (first < 0 || text.indexOf(from, first + 1) >= 0) throw new Error(`expected exactly one "${from}" in ${file}`);
  writeFileSync(file, text.replace(from, to));
}

function configErrorFrom(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError, but it returned');
}

/** `source` is the file path as loadConfig shows it (relative to cwd when inside it); compare resolved paths. */
function fromFile(problem: ConfigProblem, file: string): boolean {
  return problem.source !== 'env' && resolve(problem.source) === resolve(file);
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig with the shipped defaults', () => {
  const load = (now: string) => loadConfig({ env: {}, configDir: SHIPPED, now: new Date(now) });

  it('applies the env defaults', () => {
    const { env } = load('2025-06-01T00:00:00Z');
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe('./data');
    expect(env.APP_ROLE).toBe('all');
    expect(env.TELEGRAM_MODE).toBe('webhook');
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('turns every channel off', () => {
    expect(load('2025-06-01T00:00:00Z').channels).toEqual({
      wechatOfficial: false,
      telegram: false,
      wecom: false,
      wechaty: false,
    });
  });

  it('knows the 2026 make-up working day and holiday from config/calendar', () => {
    const { calendar, calendarYears } = load('2025-06-01T00:00:00Z');
    expect(calendarYears).toEqual([2025, 2026]);
    // 2026-02-14 is a Saturday worked for the Spring Festival; 2026-10-01 is a Thursday off for National Day.
    expect(isWorkingDay(calendar, '2026-02-14')).toBe(true);
    expect(isWorkingDay(calendar, '2026-10-01')).toBe(false);
    // Sanity: an ordinary weekday and weekend.
    expect(isWorkingDay(calendar, '2026-03-10')).toBe(true);
    expect(isWorkingDay(calendar, '2026-03-14')).toBe(false);
  });

  it('gives no warnings while this year and next have a calendar', () => {
    expect(load('2025-06-01T00:00:00Z').warnings).toEqual([]);
  });

  it('warns once, naming 2027, when next year has no calendar', () => {
    const { warnings } = load('2026-06-01T00:00:00Z');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('2027');
    expect(warnings[0]).toContain('2027.yaml');
    expect(warnings[0]).not.toContain('2026');
  });
});

describe('loadConfig with several mistakes at once', () => {
  interface ExpectedProblem {
    what: string;
    /** 'env', or the file name relative to the config folder. */
    source: string;
    key: string;
    message: RegExp;
  }

  const badEnv = {
    PORT: 'abc',
    DATABASE_URL: 'mysql://x',
    TELEGRAM_BOT_TOKEN: '123456:ABC-DEF',
    WECHAT_TOKEN: 'callback-token',
    APP_ROLE: 'worker',
  };

  const expected: ExpectedProblem[] = [
    { what: 'a PORT that is not a number', source: 'env', key: 'PORT', message: /number/ },
    { what: 'a DATABASE_URL that is not PostgreSQL', source: 'env', key: 'DATABASE_URL', message: /postgres:\/\// },
    { what: 'a Telegram token without a webhook secret', source: 'env', key: 'TELEGRAM_WEBHOOK_SECRET', message: /webhook mode/ },
    { what: 'a WeChat token without WECHAT_APPID', source: 'env', key: 'WECHAT_APPID', message: /required when WECHAT_TOKEN is set/ },
    { what: 'a WeChat token without WECHAT_APPSECRET', source: 'env', key: 'WECHAT_APPSECRET', message: /required when WECHAT_TOKEN is set/ },
    { what: 'a split role without DATABASE_URL', source: 'env', key: 'APP_ROLE', message: /worker.*DATABASE_URL/ },
    { what: 'a string where an SLA amount belongs', source: 'policy.yaml', key: 'sla.resolveGeneral.amount', message: /expected number/ },
    { what: 'a holiday that ends before it starts', source: 'calendar/2026.yaml', key: 'holidays.4', message: /ends \(2026-06-19\) before it starts \(2026-06-21\)/ },
    { what: 'a calendar file named for another year', source: 'calendar/2027.yaml', key: 'year', message: /2028.*2027\.yaml/ },
    { what: 'a routing rule naming an unknown department', source: 'organisation.yaml', key: 'routing.rules.7.department', message: /unknown department warehouse/ },
  ];

  let dir: string;
  let error: ConfigError;

  beforeAll(() => {
    dir = copyOfShippedConfig();
    edit(join(dir, 'policy.yaml'), 'resolveGeneral:        { unit: workingDays,   amount: 3 }', 'resolveGeneral:        { unit: workingDays,   amount: "three" }');
    edit(join(dir, 'organisation.yaml'), 'department: logistics', 'department: warehouse');
    edit(join(dir, 'calendar', '2026.yaml'), 'from: 2026-06-19, to: 2026-06-21', 'from: 2026-06-21, to: 2026-06-19');
    writeFileSync(join(dir, 'calendar', '2027.yaml'), 'year: 2028\nholidays:\n  - { name: 元旦, from: 2028-01-01, to: 2028-01-01 }\n');
    error = configErrorFrom(() => loadConfig({ env: badEnv, configDir: dir, now: new Date('2025-06-01T00:00:00Z') }));
  });

  const check = ({ source, key, message }: ExpectedProblem) => {
    const matches = error.problems.filter((p) => p.key === key && (source === 'env' ? p.source === 'env' : fromFile(p, join(dir, source))));
    expect(matches).toHaveLength(1);
    expect(matches[0]!.message).toMatch(message);
    expect(error.message).toContain(`${matches[0]!.source} ${key}: ${matches[0]!.message}`);
  };

  it.each(expected)('reports $what as $source $key', check);

  it('throws one ConfigError that counts its problems', () => {
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('CONFIG.INVALID');
    expect(error.message).toMatch(new RegExp(`^The configuration has ${error.problems.length} problems:`));
    expect(error.problems.length).toBeGreaterThanOrEqual(expected.length);
  });

  it('reports an unknown routing department by itself', () => {
    const alone = copyOfShippedConfig();
    edit(join(alone, 'organisation.yaml'), 'department: logistics', 'department: warehouse');
    const { problems } = configErrorFrom(() => loadConfig({ env: {}, configDir: alone }));
    expect(problems).toEqual([
      expect.objectContaining({ key: 'routing.rules.7.department', message: expect.stringMatching(/unknown department warehouse; known: .*logistics/) }),
    ]);
  });

  it('names organisation.yaml as the source of an unknown routing department', () => {
    const alone = copyOfShippedConfig();
    edit(join(alone, 'organisation.yaml'), 'department: logistics', 'department: warehouse');
    const { problems } = configErrorFrom(() => loadConfig({ env: {}, configDir: alone }));
    expect(fromFile(problems[0]!, join(alone, 'organisation.yaml'))).toBe(true);
  });
});

describe('loadConfig problems in single places', () => {
  it('reports a YAML syntax error with its file name, together with the other problems', () => {
    const dir = copyOfShippedConfig();
    appendFileSync(join(dir, 'organisation.yaml'), '\nextra: [unclosed\n');
    edit(join(dir, 'calendar', '2026.yaml'), 'from: 2026-06-19, to: 2026-06-21', 'from: 2026-06-21, to: 2026-06-19');
    const error = configErrorFrom(() => loadConfig({ env: { PORT: 'abc' }, configDir: dir }));

    const syntax = error.problems.find((p) => fromFile(p, join(dir, 'organisation.yaml')) && p.key === '(file)');
    expect(syntax?.message).toMatch(/^not valid YAML: .*line \d+/s);
    expect(error.message).toContain('organisation.yaml (file): not valid YAML');
    expect(error.problems).toContainEqual(expect.objectContaining({ source: 'env', key: 'PORT' }));
    expect(error.problems.some((p) => fromFile(p, join(dir, 'calendar', '2026.yaml')) && p.key === 'holidays.4')).toBe(true);
  });

  it('refuses the same top-level key in two files', () => {
    const dir = copyOfShippedConfig();
    appendFileSync(join(dir, 'organisation.yaml'), '\ntimeZone: Europe/London\n');
    const error = configErrorFrom(() => loadConfig({ env: {}, configDir: dir }));
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem!.key).toBe('timeZone');
    // Files are read in name order, so the second one (policy.yaml) is the one refused.
    expect(fromFile(problem!, join(dir, 'policy.yaml'))).toBe(true);
    expect(problem!.message).toContain('also defined in');
    expect(problem!.message).toContain('organisation.yaml');
  });

  it('treats empty and blank env values as unset', () => {
    const config = loadConfig({
      env: { PORT: '', DATABASE_URL: '', APP_ROLE: '  ', WECHAT_TOKEN: '', TELEGRAM_BOT_TOKEN: ' ' },
      configDir: SHIPPED,
      now: new Date('2025-06-01T00:00:00Z'),
    });
    expect(config.env.PORT).toBe(3000);
    expect(config.env.DATABASE_URL).toBeUndefined();
    expect(config.env.APP_ROLE).toBe('all');
    expect(config.channels.wechatOfficial).toBe(false);
    expect(config.channels.telegram).toBe(false);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['WECHAT_APPID', { WECHAT_TOKEN: 't', WECHAT_APPSECRET: 's' }],
  ] as const)('explains what %s is for in its problem', (key, env) => {
    const error = configErrorFrom(() => loadConfig({ env, configDir: SHIPPED }));
    const description = envSchema.shape[key].description;
    expect(description).toBeTruthy();
    const problem = error.problems.find((p) => p.source === 'env' && p.key === key);
    expect(problem?.message).toContain(description);
    expect(error.message).toContain(description);
  });

  it('gives one clear problem when the config folder is missing', () => {
    const dir = copyOfShippedConfig();
    const missing = join(dir, 'does-not-exist');
    const error = configErrorFrom(() => loadConfig({ env: {}, configDir: missing }));
    expect(error.problems).toEqual([
      { source: expect.any(String), key: '(folder)', message: expect.stringContaining('set CONFIG_DIR') },
    ]);
    expect(resolve(error.problems[0]!.source)).toBe(missing);
    expect(error.message).toMatch(/^The configuration has 1 problem:/);
  });
});
