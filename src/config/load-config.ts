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
  const envResult = envSchema.safeParse(rawEnv);
  if (!envResult.success) problems.push(...envProblems(envResult.error));
  const env = envResult.success ? envResult.data : undefined;

  const configDir = options.configDir ?? env?.CONFIG_DIR ?? rawEnv.CONFIG_DIR ?? './config';
  const policy = loadPolicy(configDir, problems);
  const years = loadCalendarYears(join(configDir, 'calendar'), problems);

  if (env) problems.push(...crossCheckEnv(env));
  if (policy) problems.push(...crossCheckPolicy(policy, policyFiles(configDir)));
  const calendar = policy && problems.length === 0 ? buildCalendar(policy, years, problems) : undefined;

  if (problems.length > 0) throw new ConfigError(problems);

  const currentYear = (options.now ?? new Date()).getUTCFullYear();
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

/** The policy may be split over several files; each top-level key lives in exactly one of them. */
function loadPolicy(configDir: string, problems: ConfigProblem[]): Policy | undefined {
  const files = policyFiles(configDir);
  if (files.length === 0) {
    problems.push({ source: displayPath(configDir), key: '(folder)', message: 'no *.yaml policy files found; set CONFIG_DIR to the folder holding policy.yaml' });
    return undefined;
  }
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const file of files) {
    const content = readYaml(file, problems);
    if (content === undefined || content === null) continue;
    if (typeof content !== 'object' || Array.isArray(content)) {
      problems.push({ source: displayPath(file), key: '(file)', message: 'expected a mapping of keys at the top level' });
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
  const result = policySchema.safeParse(merged);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const top = String(issue.path[0] ?? '');
    const description = policySchema.shape[top as keyof Policy]?.description;
    problems.push({
      source: origin.get(top) ?? displayPath(join(configDir, 'policy.yaml')),
      key: issue.path.join('.') || '(root)',
      message: issue.path.length <= 1 && description ? `${issue.message} (${description})` : issue.message,
    });
  }
  return undefined;
}

function loadCalendarYears(dir: string, problems: ConfigProblem[]): CalendarYear[] {
  if (!existsSync(dir)) return [];
  const years: CalendarYear[] = [];
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = join(dir, name);
    const source = displayPath(file);
    const result = calendarYearSchema.safeParse(readYaml(file, problems));
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

function crossCheckPolicy(policy: Policy, files: string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const source = files.length === 1 ? displayPath(files[0]!) : 'config';
  const categories = new Set(policy.categories.map((c) => c.id));
  const departments = new Set(policy.departments.map((d) => d.id));

  for (const [list, ids] of [['categories', policy.categories.map((c) => c.id)], ['departments', policy.departments.map((d) => d.id)]] as const) {
    for (const duplicate of ids.filter((value, index) => ids.indexOf(value) !== index)) {
      problems.push({ source, key: list, message: `id ${duplicate} appears more than once` });
    }
  }
  const prefixes = Object.values(policy.caseTypes).map((t) => t.prefix);
  if (new Set(prefixes).size !== prefixes.length) {
    problems.push({ source, key: 'caseTypes', message: `case-number prefixes must differ, got ${prefixes.join(', ')}` });
  }
  if (!departments.has(policy.routing.fallbackDepartment)) {
    problems.push({ source, key: 'routing.fallbackDepartment', message: `unknown department ${policy.routing.fallbackDepartment}; known: ${[...departments].join(', ')}` });
  }
  policy.routing.rules.forEach((rule, index) => {
    if (!categories.has(rule.category)) {
      problems.push({ source, key: `routing.rules.${index}.category`, message: `unknown category ${rule.category}; known: ${[...categories].join(', ')}` });
    }
    if (!departments.has(rule.department)) {
      problems.push({ source, key: `routing.rules.${index}.department`, message: `unknown department ${rule.department}; known: ${[...departments].join(', ')}` });
    }
  });
  const intervals = policy.businessHours.intervals;
  intervals.forEach((interval, index) => {
    if (interval.start >= interval.end) {
      problems.push({ source, key: `businessHours.intervals.${index}`, message: `starts at ${interval.start} but ends at ${interval.end}` });
    }
    const previous = intervals[index - 1];
    if (previous && previous.end > interval.start) {
      problems.push({ source, key: `businessHours.intervals.${index}`, message: 'overlaps the interval before it; list intervals in order, without overlaps' });
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
