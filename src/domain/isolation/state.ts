import { produce, type Draft } from 'immer';
import { assertNever, type EventEnvelope } from '../event';
import type { IsolationEvent, IsolationStarted, VmAllocation } from './events';

export interface IsolationState {
  readonly started: IsolationStarted['data'] | null;
  readonly exposure: { readonly segment: string; readonly otherTenants: readonly string[] } | null;
  readonly denied: number;
  readonly deniedByStage: Readonly<Record<string, number>>;
  readonly deniedByPair: Readonly<Record<string, number>>;
  readonly allowed: number;
  readonly delivered: number;
  /** Latest allocation per host. */
  readonly hosts: Readonly<Record<string, { readonly cause: string; readonly vms: readonly VmAllocation[] }>>;
  readonly reallocations: number;
  /** Allocations where a limited VM got less than min(demand, limit) or more than its limit. */
  readonly limitViolations: readonly string[];
}

export const initialIsolationState: IsolationState = {
  started: null,
  exposure: null,
  denied: 0,
  deniedByStage: {},
  deniedByPair: {},
  allowed: 0,
  delivered: 0,
  hosts: {},
  reallocations: 0,
  limitViolations: [],
};

const EPS = 1e-9;

function violations(host: string, a: VmAllocation): string[] {
  const found: string[] = [];
  const check = (what: string, got: number, demand: number, limit: number | null) => {
    if (limit === null) return;
    if (got + EPS < Math.min(demand, limit)) found.push(`${a.vm} on ${host}: ${what} ${got} below min(demand ${demand}, limit ${limit})`);
    if (got > limit + EPS) found.push(`${a.vm} on ${host}: ${what} ${got} above limit ${limit}`);
  };
  check('cpu', a.cpu, a.cpuDemand, a.cpuLimit);
  check('disk', a.diskBytesPerS, a.diskDemand, a.diskLimit);
  check('net', a.netBytesPerS, a.netDemand, a.netLimit);
  return found;
}

export function applyIsolationEvent(state: Draft<IsolationState>, envelope: EventEnvelope<IsolationEvent>): void {
  switch (envelope.type) {
    case 'IsolationStarted':
      state.started = envelope.data as Draft<IsolationStarted['data']>;
      return;
    case 'MigrationStreamExposed':
      state.exposure = { segment: envelope.data.segment, otherTenants: [...envelope.data.otherTenants] };
      return;
    case 'ResourcesAllocated':
      state.hosts[envelope.data.host] = { cause: envelope.data.cause, vms: envelope.data.vms as Draft<VmAllocation>[] };
      state.reallocations++;
      for (const a of envelope.data.vms) state.limitViolations.push(...violations(envelope.data.host, a));
      return;
    case 'AccessDenied': {
      const d = envelope.data;
      state.denied++;
      state.deniedByStage[d.stage] = (state.deniedByStage[d.stage] ?? 0) + 1;
      const pair = `${d.from} -> ${d.to}`;
      state.deniedByPair[pair] = (state.deniedByPair[pair] ?? 0) + 1;
      return;
    }
    case 'AccessAllowed':
      state.allowed++;
      if (envelope.data.delivered) state.delivered++;
      return;
    default:
      return assertNever(envelope, 'isolation event');
  }
}

export function evolveIsolationBatch(state: IsolationState, batch: readonly EventEnvelope<IsolationEvent>[]): IsolationState {
  return produce(state, (draft) => {
    for (const envelope of batch) applyIsolationEvent(draft, envelope);
  });
}
