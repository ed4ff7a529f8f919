import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';
import { NetworkProjection } from '../../domain/network/projection';
import { networkReport, type NetworkReport } from '../../domain/network/report';
import { networkPlacementProblems } from '../../domain/network/scenario';
import type { Scenario } from '../../domain/scenario/schema';
import type { EventBus } from '../../infrastructure/event-bus';
import type { RandomStreams } from '../../infrastructure/random';
import type { Scheduler } from '../../infrastructure/scheduler';
import { LanSimulation } from '../../infrastructure/simulation/lan';

/** The optional result sections beside the migration's own figures. */
export interface ResultSections {
  readonly network?: NetworkReport;
}

/**
 * Refuses, before anything runs or is written, a scenario whose network
 * cannot carry the migration.
 */
export function checkSections(scenario: Scenario, source?: string): void {
  const problems = scenario.network ? networkPlacementProblems(scenario.network, scenario.hosts) : [];
  if (problems.length > 0) throw new InputError(problems, source);
}

/** Starts the LAN beside the migration, on its scheduler and bus. */
export function attachSections(scenario: Scenario, scheduler: Scheduler, bus: EventBus, random: RandomStreams): void {
  if (scenario.network) new LanSimulation({ scenario, network: scenario.network, scheduler, bus, random }).attach();
}

/** The projections behind the sections: the live run and a replay fold the same ones. */
export class SectionProjections {
  private readonly network = new NetworkProjection();

  handle(batch: readonly EventEnvelope[]): void {
    this.network.handle(batch);
  }

  sections(): ResultSections {
    const network = this.network.result();
    return network ? { network: networkReport(network) } : {};
  }
}
