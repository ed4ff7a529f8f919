import { SectionProjection } from '../section-projection';
import { NETWORK_EVENT_VERSIONS } from './events';
import { evolveNetworkBatch, initialNetworkState, type NetworkInputEvent, type NetworkState } from './state';

/** The LAN's read model (its own events and where the VM runs); null result when the run had no network section. */
export class NetworkProjection extends SectionProjection<NetworkState, NetworkInputEvent> {
  constructor() {
    super('network', [...Object.keys(NETWORK_EVENT_VERSIONS), 'MigrationStarted', 'VmPaused', 'VmResumed'], initialNetworkState, evolveNetworkBatch);
  }
}
