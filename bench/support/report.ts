import { performance } from 'node:perf_hooks';
/** One line of the bench table: a figure next to the baseline measured in the same run. */
export interface BenchRow {
  row: string;
  figure: string;
  baseline: string;
  target: string;
  /** null: informational, or not measured (a slot). */
  pass: boolean | null;
}

export interface BenchOutcome {
  rows: BenchRow[];
  /** Raw numbers for bench/results/<name>.json. */
  details: Record<string, unknown>;
}

/** How big a run is: `full` for the figures in the README, `quick` while developing (BENCH_QUICK=1). */
export interface BenchScale {
  quick: boolean;
}

export interface Bench {
  name: string;
  run(scale: BenchScale): Promise<BenchOutcome>;
}

export const ms = (value: number) => `${value.toFixed(value < 1 ? 2 : value < 10 ? 1 : 0)} ms`;
export const perSecond = (value: number) => `${value.toFixed(value < 100 ? 1 : 0)}/s`;
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs `work` `warmUps` times unmeasured, then `samples` times: p50, p95 and the slowest, in ms. */
export async function timeIt(samples: number, work: () => Promise<unknown>, warmUps: number): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < warmUps; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
}
