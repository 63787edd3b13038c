import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { DomainError } from '../domain/errors';
import { createWorkingCalendar, localDatesInRange, type WorkingCalendar } from '../domain/working-calendar';
import { ConfigError, type ConfigProblem } from './config-error';
import { channelKeys, envSchema, type ChannelName, type Env, type EnvKey } from './env.schema';
import { calendarYearSchema, policySchema, type CalendarYear, type Policy } from './policy.schema';

export interface AppConfig {
  env: Env;
  policy: Policy;
  calendar: WorkingCalendar;
  /** Years the holiday calendar covers; deadlines in other years only know weekends. */
  calendarYears: number[];
  channels: Record<ChannelName, boolean>;
  /** Things worth a log line that do not stop the start. */
  warnings: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides CONFIG_DIR; tests point it at a fixture folder. */
  configDir?: string;
  /** Used to warn when the current year has no holiday calendar. */
  now?: Date;
}

/** Parses the environment and config/*.yaml once; throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  const rawEnv = withoutBlanks(options.env ?? process.env);
  const env = parseEnv(rawEnv, problems);

  const configDir = options.configDir ?? env.CONFIG_DIR;
  const { policy, parts, origin } = loadPolicy(configDir, problems);
  const years = loadCalendarYears(join(configDir, 'calendar'), problems);

  problems.push(...crossCheckEnv(env));
  problems.push(...crossCheckPolicy(parts, (key) => origin.get(key) ?? displayPath(configDir)));
  const calendar = policy && problems.length === 0 ? buildCalendar(policy, years, problems) : undefined;

  if (problems.length > 0) throw new ConfigError(problems);

  const currentYear = yearIn((policy as Policy).timeZone, options.now ?? new Date());
  const calendarYears = years.map((y) => y.year).sort();
  for (const year of [currentYear, currentYear + 1]) {
    if (!calendarYears.includes(year)) {
      warnings.push(
        `No holiday calendar for ${year} in ${join(configDir, 'calendar')}: deadlines that year count weekends only. ` +
          `Add ${year}.yaml from the State Council's holiday notice (see README, "Adding a calendar year").`,
      );
    }
  }

  const validEnv = env as Env;
  const validPolicy = policy as Policy;
  return {
    env: validEnv,
    policy: validPolicy,
    calendar: calendar as WorkingCalendar,
    calendarYears,
    channels: enabledChannels(validEnv),
    warnings,
  };
}

function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  // An exported-but-empty variable (FOO=) means "not set", as in most twelve-factor apps.
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]?.trim()));
}

/** Records every env problem; returns the env with the bad keys at their defaults so later checks still run. */
function parseEnv(rawEnv: Record<string, string>, problems: ConfigProblem[]): Env {
  const result = envSchema.safeParse(rawEnv);
  if (result.success) return result.data;
  problems.push(...envProblems(result.error));
  const badKeys = new Set(result.error.issues.map((issue) => String(issue.path[0])));
  return envSchema.parse(Object.fromEntries(Object.entries(rawEnv).filter(([key]) => !badKeys.has(key))));
}

function yearIn(timeZone: string, at: Date): number {
  return Number(new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' }).format(at));
}

function envProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const description = envSchema.shape[key as EnvKey]?.description;
    return {
      source: 'env',
      key,
      message: description ? `${issue.message} (${description})` : issue.message,
    };
  });
}

function policyFiles(configDir: string): string[] {
  if (!existsSync(configDir)) return [];
  return readdirSync(configDir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => join(configDir, name));
}

function readYaml(file: string, problems: ConfigProblem[]): unknown {
  try {
    return YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push({ source: displayPath(file), key: '(file)', message: `not valid YAML: ${(error as Error).message}` });
    return undefined;
  }
}

interface LoadedPolicy {
  /** The whole policy, when every key is valid. */
  policy: Policy | undefined;
  /** The keys that are valid on their own, so checks across keys still run when others are broken. */
  parts: Partial<Policy>;
  /** Which file each top-level key came from. */
  origin: Map<string, string>;
}

/** The policy may be split over several files; each top-level key lives in exactly one of them. */
function loadPolicy(configDir: string, problems: ConfigProblem[]): LoadedPolicy {
  const origin = new Map<string, string>();
  const files = policyFiles(configDir);
  if (files.length === 0) {
    problems.push({ source: displayPath(configDir), key: '(folder)', message: 'no *.yaml policy files found; set CONFIG_DIR to the folder holding policy.yaml' });
    return { policy: undefined, parts: {}, origin };
  }
  const merged: Record<string, unknown> = {};
  let unreadable = false;
  for (const file of files) {
    const content = readYaml(file, problems);
    if (content === undefined) unreadable = true;
    if (content === undefined || content === null) continue;
    if (typeof content !== 'object' || Array.isArray(content)) {
      problems.push({ source: displayPath(file), key: '(file)', message: 'expected a mapping of keys at the top level' });
      unreadable = true;
      continue;
    }
    for (const [key, value] of Object.entries(content)) {
      const earlier = origin.get(key);
      if (earlier) {
        problems.push({ source: displayPath(file), key, message: `also defined in ${earlier}; keep each key in one file` });
        continue;
      }
      origin.set(key, displayPath(file));
      merged[key] = value;
    }
  }

  const shape = policySchema.shape;
  const parts: Record<string, unknown> = {};
  let complete = true;
  for (const [key, schema] of Object.entries(shape) as Array<[keyof Policy, z.ZodType]>) {
    if (!(key in merged)) {
      complete = false;
      // A file that failed to parse probably holds it: that problem is already listed.
      if (!unreadable) {
        problems.push({ source: displayPath(configDir), key, message: `is missing from every *.yaml file (${schema.description})` });
      }
      continue;
    }
    const result = schema.safeParse(merged[key]);
    if (result.success) {
      parts[key] = result.data;
      continue;
    }
    complete = false;
    for (const issue of result.error.issues) {
      problems.push({
        source: origin.get(key)!,
        key: [key, ...issue.path].join('.'),
        message: issue.path.length === 0 ? `${issue.message} (${schema.description})` : issue.message,
      });
    }
  }
  for (const key of Object.keys(merged).filter((k) => !(k in shape))) {
    complete = false;
    problems.push({ source: origin.get(key)!, key, message: `is not a setting; known keys: ${Object.keys(shape).join(', ')}` });
  }
  return { policy: complete ? (parts as Policy) : undefined, parts: parts as Partial<Policy>, origin };
}

function loadCalendarYears(dir: string, problems: ConfigProblem[]): CalendarYear[] {
  if (!existsSync(dir)) return [];
  const years: CalendarYear[] = [];
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = join(dir, name);
    const source = displayPath(file);
    const content = readYaml(file, problems);
    if (content === undefined) continue;
    const result = calendarYearSchema.safeParse(content);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ source, key: issue.path.join('.') || '(root)', message: issue.message });
      }
      continue;
    }
    const year = result.data;
    if (basename(name).replace(/\.ya?ml$/, '') !== String(year.year)) {
      problems.push({ source, key: 'year', message: `is ${year.year} but the file is named ${name}; name it ${year.year}.yaml` });
    }
    const expandRange = (range: { from: string; to: string }, key: string): string[] => {
      if (range.from > range.to) return [];
      try {
        return localDatesInRange(range.from, range.to);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        problems.push({ source, key, message: error.message });
        return [];
      }
    };
    const holidayDates = new Set<string>();
    year.holidays.forEach((holiday, index) => {
      if (holiday.from > holiday.to) {
        problems.push({ source, key: `holidays.${index}`, message: `${holiday.name} ends (${holiday.to}) before it starts (${holiday.from})` });
      }
      for (const date of expandRange(holiday, `holidays.${index}`)) {
        if (!date.startsWith(`${year.year}-`)) {
          problems.push({ source, key: `holidays.${index}`, message: `${date} is not in ${year.year}` });
          break;
        }
        holidayDates.add(date);
      }
    });
    year.makeUpWorkdays.forEach((day, index) => {
      if (!day.date.startsWith(`${year.year}-`)) {
        problems.push({ source, key: `makeUpWorkdays.${index}`, message: `${day.date} is not in ${year.year}` });
      }
      if (holidayDates.has(day.date)) {
        problems.push({ source, key: `makeUpWorkdays.${index}`, message: `${day.date} is also listed as a holiday` });
      }
    });
    years.push(year);
  }
  return years;
}

function crossCheckEnv(env: Env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const keys of Object.values(channelKeys)) {
    const set = keys.filter((key) => env[key] !== undefined);
    if (set.length > 0 && set.length < keys.length) {
      for (const key of keys.filter((k) => env[k] === undefined)) {
        problems.push({ source: 'env', key, message: `is required when ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set (${envSchema.shape[key].description})` });
      }
    }
  }
  if (env.TELEGRAM_BOT_TOKEN && env.TELEGRAM_MODE === 'webhook' && !env.TELEGRAM_WEBHOOK_SECRET) {
    problems.push({
      source: 'env',
      key: 'TELEGRAM_WEBHOOK_SECRET',
      message: 'is required in webhook mode so forged updates are refused; set it, or TELEGRAM_MODE=polling for development',
    });
  }
  if (env.APP_ROLE !== 'all' && !env.DATABASE_URL) {
    problems.push({
      source: 'env',
      key: 'APP_ROLE',
      message: `is ${env.APP_ROLE}, but the embedded database belongs to one process: set DATABASE_URL to a PostgreSQL server to split roles`,
    });
  }
  return problems;
}

/** Checks across keys; each runs when the keys it needs are valid on their own. */
function crossCheckPolicy(policy: Partial<Policy>, sourceOf: (topKey: string) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (key: string, message: string) => problems.push({ source: sourceOf(key.split('.')[0]!), key, message });

  for (const [list, entries] of [['categories', policy.categories], ['departments', policy.departments]] as const) {
    const ids = (entries ?? []).map((entry) => entry.id);
    for (const duplicate of new Set(ids.filter((value, index) => ids.indexOf(value) !== index))) {
      report(list, `id ${duplicate} appears more than once`);
    }
  }
  if (policy.caseTypes) {
    const prefixes = Object.values(policy.caseTypes).map((t) => t.prefix);
    if (new Set(prefixes).size !== prefixes.length) report('caseTypes', `case-number prefixes must differ, got ${prefixes.join(', ')}`);
  }
  if (policy.routing && policy.departments && policy.categories) {
    const categories = policy.categories.map((c) => c.id);
    const departments = policy.departments.map((d) => d.id);
    if (!departments.includes(policy.routing.fallbackDepartment)) {
      report('routing.fallbackDepartment', `unknown department ${policy.routing.fallbackDepartment}; known: ${departments.join(', ')}`);
    }
    policy.routing.rules.forEach((rule, index) => {
      if (!categories.includes(rule.category)) {
        report(`routing.rules.${index}.category`, `unknown category ${rule.category}; known: ${categories.join(', ')}`);
      }
      if (!departments.includes(rule.department)) {
        report(`routing.rules.${index}.department`, `unknown department ${rule.department}; known: ${departments.join(', ')}`);
      }
    });
  }
  const intervals = policy.businessHours?.intervals ?? [];
  intervals.forEach((interval, index) => {
    if (interval.start >= interval.end) {
      report(`businessHours.intervals.${index}`, `starts at ${interval.start} but ends at ${interval.end}`);
    }
    const previous = intervals[index - 1];
    if (previous && previous.end > interval.start) {
      report(`businessHours.intervals.${index}`, 'overlaps the interval before it; list intervals in order, without overlaps');
    }
  });
  return problems;
}

function buildCalendar(policy: Policy, years: readonly CalendarYear[], problems: ConfigProblem[]): WorkingCalendar | undefined {
  try {
    return createWorkingCalendar({
      timeZone: policy.timeZone,
      businessHours: policy.businessHours.intervals,
      weekendDays: policy.businessHours.weekendDays,
      holidays: years.flatMap((y) => y.holidays.flatMap((h) => localDatesInRange(h.from, h.to))),
      makeUpWorkdays: years.flatMap((y) => y.makeUpWorkdays.map((d) => d.date)),
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    problems.push({ source: 'config', key: 'businessHours', message: error.message });
    return undefined;
  }
}

function enabledChannels(env: Env): Record<ChannelName, boolean> {
  return Object.fromEntries(
    Object.entries(channelKeys).map(([name, keys]) => [name, env[keys[0]] !== undefined]),
  ) as Record<ChannelName, boolean>;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** For entry points: the configuration, or every problem on stderr and exit code 1. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
