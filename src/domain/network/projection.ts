import type { EventEnvelope, Projection } from '../event';
import { NETWORK_EVENT_VERSIONS } from './events';
import { evolveNetworkBatch, initialNetworkState, type NetworkInputEvent, type NetworkState } from './state';

const TYPES: ReadonlySet<string> = new Set([...Object.keys(NETWORK_EVENT_VERSIONS), 'MigrationStarted', 'VmPaused', 'VmResumed']);

/** The LAN's read model; null result when the run had no network section. */
export class NetworkProjection implements Projection<NetworkState | null> {
  readonly name = 'network';
  readonly canHandle: readonly string[] = [...TYPES];
  private state: NetworkState = initialNetworkState;

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => TYPES.has(envelope.type)) as EventEnvelope<NetworkInputEvent>[];
    if (mine.length > 0) this.state = evolveNetworkBatch(this.state, mine);
  }

  result(): NetworkState | null {
    return this.state.started ? this.state : null;
  }
}
