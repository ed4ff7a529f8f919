import { injectable } from 'inversify';
import type { PoolPlan, RoutePlan, StorageModel, TopologyDevice } from './strategy';

const MiB = 1024 ** 2;

/**
 * The array controller virtualizes its own disks and exports volumes as LUNs:
 * transparent to hosts, copies fan out inside the array behind its cache, and
 * metadata never leaves the controller. It cannot span arrays or vendors.
 */
@injectable()
export class DeviceBasedModel implements StorageModel {
  readonly name = 'device-based';
  readonly version = '1.0.0';
  readonly description = "Array controller virtualizes its own disks behind its cache; transparent to hosts; cannot span arrays.";

  defaultExtentBytes(): number {
    return 4 * MiB;
  }

  checkPool(pool: PoolPlan): string | null {
    const local = pool.devices.find((d) => d.location !== 'array');
    if (local) return `device-based: ${local.name} is a host's local disk, not behind an array controller`;
    const arrays = [...new Set(pool.devices.map((d) => d.enclosure))];
    if (arrays.length > 1) return `device-based: a pool lives inside one array controller; pool ${pool.name} would span arrays ${arrays.join(', ')}`;
    return null;
  }

  route(_host: string, device: TopologyDevice): RoutePlan {
    return {
      front: [{ kind: 'path', target: device.enclosure }, { kind: 'controller', array: device.enclosure, cache: true }],
      back: [{ kind: 'device' }],
    };
  }

  lockMessagesPerChange(): number {
    return 0;
  }
}
