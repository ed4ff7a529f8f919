import { injectable } from 'inversify';
import type { PoolPlan, RoutePlan, StorageModel, TopologyDevice } from './strategy';

const MiB = 1024 ** 2;

/**
 * A volume manager on the host (LVM): it sees the host's own disks and the
 * LUNs arrays export to it, and does striping and mirroring itself, so every
 * mirrored write crosses the SAN once per copy. A pool used by several hosts
 * needs cluster locking (lvmlockd/clvmd): each metadata change takes the lock
 * and invalidates every other host's copy of the metadata. A thin pool and its
 * thin volumes are active on one host only.
 */
@injectable()
export class HostBasedModel implements StorageModel {
  readonly name = 'host-based';
  readonly version = '1.0.0';
  readonly description = "Volume manager on the host: the host's disks and LUNs; copies fan out at the host; sharing needs cluster locking.";
  /** lvmlockd activates thin pools and thin LVs exclusively; dm-thin allocates chunks in the kernel without an LVM metadata change. */
  readonly exclusiveThin = true;
  /** pvmove checkpoints, lvextend and lvconvert --repair commit VG metadata under the VG lock. */
  readonly clusterLocksChanges = true;

  defaultExtentBytes(): number {
    return 4 * MiB;
  }

  checkPool(pool: PoolPlan): string | null {
    for (const device of pool.devices) {
      if (device.location !== 'host') continue;
      const others = pool.hosts.filter((host) => host !== device.enclosure);
      if (others.length > 0) return `host-based: ${device.name} is a local disk of ${device.enclosure}; host ${others[0]} cannot reach it`;
    }
    return null;
  }

  route(host: string, device: TopologyDevice): RoutePlan {
    const front = [{ kind: 'volume-manager', host } as const];
    if (device.location === 'host') return { front, back: [{ kind: 'device' }] };
    return { front, back: [{ kind: 'path', target: device.enclosure }, { kind: 'controller', array: device.enclosure, cache: false }, { kind: 'device' }] };
  }

  /** Lock request and grant, then an invalidation and its ack for every other host: 2n. */
  lockMessagesPerChange(hosts: number): number {
    return hosts <= 1 ? 0 : 2 * hosts;
  }
}
