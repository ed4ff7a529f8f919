import { injectable } from 'inversify';
import type { NetworkMode, PoolPlan, RoutePlan, StorageModel, TopologyDevice } from './strategy';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * A virtualization appliance in the SAN (SAN Volume Controller style), with
 * fixed extents of 16 MiB..8 GiB per pool, spanning arrays.
 * - in-band: every I/O crosses the appliance: one more hop, its bandwidth is
 *   shared by all hosts, its cache can answer; copies fan out there.
 * - out-of-band: hosts ask a metadata server for the extent map once per
 *   extent, cache it, then go straight to the arrays; copies fan out at the host.
 */
@injectable()
export class NetworkBasedModel implements StorageModel {
  readonly name = 'network-based';
  readonly version = '1.0.0';
  readonly description = 'SAN appliance spanning arrays: in-band (extra hop, shared limit, cache) or out-of-band (metadata server, then direct).';

  defaultExtentBytes(): number {
    return 16 * MiB;
  }

  checkPool(pool: PoolPlan): string | null {
    const local = pool.devices.find((d) => d.location !== 'array');
    if (local) return `network-based: ${local.name} is a host's local disk, not reachable over the SAN`;
    if (pool.extentBytes !== undefined && (pool.extentBytes < 16 * MiB || pool.extentBytes > 8 * GiB || (pool.extentBytes & (pool.extentBytes - 1)) !== 0)) {
      return `network-based: extent-size must be a power of two from 16 MiB to 8 GiB, got ${pool.extentBytes} bytes`;
    }
    return null;
  }

  route(_host: string, device: TopologyDevice, mode: NetworkMode): RoutePlan {
    if (mode === 'in-band') {
      return {
        front: [{ kind: 'path', target: 'appliance' }, { kind: 'appliance', cache: true }],
        back: [{ kind: 'controller', array: device.enclosure, cache: false }, { kind: 'device' }],
      };
    }
    return {
      front: [{ kind: 'metadata-lookup' }],
      back: [{ kind: 'path', target: device.enclosure }, { kind: 'controller', array: device.enclosure, cache: false }, { kind: 'device' }],
    };
  }

  /** In-band the appliance owns the map; out-of-band every host's cached map is invalidated. */
  lockMessagesPerChange(hosts: number, mode: NetworkMode): number {
    return mode === 'in-band' ? 0 : hosts;
  }
}
