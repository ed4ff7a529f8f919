import type { IsolationState } from './state';
import { byCodeUnits } from '../text-order';

function sorted(record: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byCodeUnits(a, b)));
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The isolation section of a run's result. */
export interface IsolationReport {
  readonly vm: string;
  readonly tenant: string;
  readonly segment: string;
  readonly denied: {
    readonly total: number;
    readonly 'by-stage': Readonly<Record<string, number>>;
    readonly 'by-pair': Readonly<Record<string, number>>;
  };
  readonly allowed: { readonly total: number; readonly delivered: number };
  readonly exposure: {
    readonly 'migration-segment': string;
    readonly tls: boolean;
    readonly exposed: boolean;
    readonly 'other-tenants': readonly string[];
  };
  readonly limits: {
    /** Every limited VM got min(demand, limit) and never more than its limit, at every reallocation. */
    readonly held: boolean;
    readonly violations: readonly string[];
    readonly reallocations: number;
    /** Final shares per host: CPU as a fraction of the host, rates in bytes/s, memory in bytes. */
    readonly hosts: Readonly<Record<string, Readonly<Record<string, { readonly cpu: number; readonly memory: number; readonly 'disk-rate': number; readonly 'net-rate': number }>>>>;
  };
}

export function isolationReport(state: IsolationState): IsolationReport {
  const started = state.started;
  if (!started) throw new Error('no IsolationStarted event');
  const own = started.placements.find((p) => p.vm === started.vm);
  const hosts = Object.fromEntries(Object.keys(state.hosts).sort().map((host) => [host, Object.fromEntries(state.hosts[host].vms.map((a) => [a.vm, {
    cpu: round6(a.cpu), memory: a.memoryBytes, 'disk-rate': round6(a.diskBytesPerS), 'net-rate': round6(a.netBytesPerS),
  }]))]));
  return {
    vm: started.vm,
    tenant: own?.tenant ?? '',
    segment: own?.segment ?? '',
    denied: { total: state.denied, 'by-stage': sorted(state.deniedByStage), 'by-pair': sorted(state.deniedByPair) },
    allowed: { total: state.allowed, delivered: state.delivered },
    exposure: {
      'migration-segment': started.migrationSegment,
      tls: started.tls,
      exposed: state.exposure !== null,
      'other-tenants': state.exposure?.otherTenants ?? [],
    },
    limits: { held: state.limitViolations.length === 0, violations: state.limitViolations.slice(0, 20), reallocations: state.reallocations, hosts },
  };
}
