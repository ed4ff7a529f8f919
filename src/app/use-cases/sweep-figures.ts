import type { MigrationResult } from '../../domain/migration/result';

/** The key figures of one migration: one row of a sweep, after the varied values, strategy and seed. */
export interface SweepFigures {
  readonly status: string;
  readonly 'total-time': number;
  readonly downtime: number;
  readonly 'ram.transferred': number;
  readonly 'ram.dirty-sync-count': number;
  readonly 'ram.postcopy-requests': number;
  readonly 'guest.degradation': number;
  readonly 'verification.consistent': boolean;
  readonly 'log.sha256': string;
}

export const FIGURE_COLUMNS = [
  'status', 'total-time', 'downtime', 'ram.transferred', 'ram.dirty-sync-count', 'ram.postcopy-requests',
  'guest.degradation', 'verification.consistent', 'log.sha256',
] as const satisfies readonly (keyof SweepFigures)[];

export function figuresOf(result: MigrationResult): SweepFigures {
  return {
    status: result.status,
    'total-time': result['total-time'],
    downtime: result.downtime,
    'ram.transferred': result.ram.transferred,
    'ram.dirty-sync-count': result.ram['dirty-sync-count'],
    'ram.postcopy-requests': result.ram['postcopy-requests'],
    'guest.degradation': result.guest.degradation,
    'verification.consistent': result.verification.consistent,
    'log.sha256': result.log.sha256,
  };
}
