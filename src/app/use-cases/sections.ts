import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';
import { placementProblems } from '../../domain/isolation/placement';
import { IsolationProjection } from '../../domain/isolation/projection';
import { isolationReport, type IsolationReport } from '../../domain/isolation/report';
import { NetworkProjection } from '../../domain/network/projection';
import { networkReport, type NetworkReport } from '../../domain/network/report';
import { networkPlacementProblems } from '../../domain/network/scenario';
import type { Scenario } from '../../domain/scenario/schema';
import type { EventBus } from '../../infrastructure/event-bus';
import type { RandomStreams } from '../../infrastructure/random';
import type { Scheduler } from '../../infrastructure/scheduler';
import { IsolationSimulation } from '../../infrastructure/simulation/isolation';
import { LanSimulation } from '../../infrastructure/simulation/lan';

/** The optional result sections beside the migration's own figures. */
export interface ResultSections {
  readonly network?: NetworkReport;
  readonly isolation?: IsolationReport;
}

/**
 * Refuses, before anything runs or is written, a migration the network
 * cannot carry or that would put the VM where its isolation cannot hold.
 */
export function checkSections(scenario: Scenario, source?: string): void {
  const problems = [
    ...(scenario.network ? networkPlacementProblems(scenario.network, scenario.hosts) : []),
    ...(scenario.isolation ? placementProblems(scenario, scenario.isolation) : []),
  ];
  if (problems.length > 0) throw new InputError(problems, source);
}

/** Starts the LAN and the tenants beside the migration, on its scheduler and bus. */
export function attachSections(scenario: Scenario, scheduler: Scheduler, bus: EventBus, random: RandomStreams): void {
  if (scenario.network) new LanSimulation({ scenario, network: scenario.network, scheduler, bus, random }).attach();
  if (scenario.isolation) new IsolationSimulation({ scenario, isolation: scenario.isolation, scheduler, bus }).attach();
}

/** The projections behind the sections: the live run and a replay fold the same ones. */
export class SectionProjections {
  private readonly network = new NetworkProjection();
  private readonly isolation = new IsolationProjection();

  handle(batch: readonly EventEnvelope[]): void {
    this.network.handle(batch);
    this.isolation.handle(batch);
  }

  sections(): ResultSections {
    const network = this.network.result();
    const isolation = this.isolation.result();
    return {
      ...(network ? { network: networkReport(network) } : {}),
      ...(isolation ? { isolation: isolationReport(isolation) } : {}),
    };
  }
}
