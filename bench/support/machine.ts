import { cpus, totalmem } from 'node:os';

/** What the figures were measured on: they only compare within one run on one machine. */
export function os(): { cpus: number; cpuModel: string; memoryGb: number } {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(totalmem() / 1024 ** 3) };
}
