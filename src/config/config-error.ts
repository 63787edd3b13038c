export interface ConfigProblem {
  /** `env` or the file the value came from, e.g. `config/policy.yaml`. */
  source: string;
  /** Dotted path of the key, e.g. `sla.resolveGeneral.amount`. */
  key: string;
  message: string;
}

/** Start-up stops on this, listing every problem at once rather than the first one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG.INVALID';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      [
        `The configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`,
        ...problems.map((p) => `  - ${p.source} ${p.key}: ${p.message}`),
      ].join('\n'),
    );
  }
}
