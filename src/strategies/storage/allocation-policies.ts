import { injectable } from 'inversify';
import type { AllocationPolicy, LegRequest } from './strategy';

function freeOn(request: LegRequest, devices: readonly number[]): number {
  return request.devices.filter((d) => devices.includes(d.index)).reduce((sum, d) => sum + d.freeExtents, 0);
}

function shortfall(request: LegRequest, devices: readonly number[], rule: string): readonly number[] | string {
  const free = freeOn(request, devices);
  return free >= request.extents ? devices : `needs ${request.extents} free extents on devices ${rule}; has ${free}`;
}

/** Each leg in one run of physical extents on one device, no two legs on a device. */
@injectable()
export class ContiguousPolicy implements AllocationPolicy {
  readonly name = 'contiguous';
  readonly version = '1.0.0';
  readonly description = 'Each leg is one contiguous run of extents on one device; legs on separate devices.';
  readonly contiguous = true;

  order(request: LegRequest): readonly number[] | string {
    const device = request.devices.find((d) => !request.otherLegs.has(d.index) && d.largestFreeRun >= request.extents);
    return device ? [device.index] : `no device without another leg has ${request.extents} contiguous free extents`;
  }
}

/** Never two legs (stripes, mirrors) on one device; a leg may span devices. LVM's default. */
@injectable()
export class NormalPolicy implements AllocationPolicy {
  readonly name = 'normal';
  readonly version = '1.0.0';
  readonly description = 'Never put two legs (stripes or mirrors) of a volume on one device.';
  readonly contiguous = false;

  order(request: LegRequest): readonly number[] | string {
    return shortfall(request, request.devices.filter((d) => !request.otherLegs.has(d.index)).map((d) => d.index), 'not holding another leg');
  }
}

/** Like normal, but a leg keeps to the devices it is already on while they have room. */
@injectable()
export class ClingPolicy implements AllocationPolicy {
  readonly name = 'cling';
  readonly version = '1.0.0';
  readonly description = 'Extend a leg on the devices it already uses first; otherwise as normal.';
  readonly contiguous = false;

  order(request: LegRequest): readonly number[] | string {
    const allowed = request.devices.filter((d) => !request.otherLegs.has(d.index));
    const same = allowed.filter((d) => request.thisLeg.has(d.index));
    const rest = allowed.filter((d) => !request.thisLeg.has(d.index)).sort((a, b) => b.largestFreeRun - a.largestFreeRun);
    return shortfall(request, [...same, ...rest].map((d) => d.index), 'not holding another leg');
  }
}

/** Any free extent, even beside another leg of the same volume (redundancy may be lost). */
@injectable()
export class AnywherePolicy implements AllocationPolicy {
  readonly name = 'anywhere';
  readonly version = '1.0.0';
  readonly description = 'Any free extent, even on a device holding another leg (a mirror may share a disk).';
  readonly contiguous = false;

  order(request: LegRequest): readonly number[] | string {
    const same = request.devices.filter((d) => request.thisLeg.has(d.index));
    const rest = request.devices.filter((d) => !request.thisLeg.has(d.index));
    return shortfall(request, [...same, ...rest].map((d) => d.index), 'of the pool');
  }
}
