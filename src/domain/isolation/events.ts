import type { DomainEvent } from '../event';

/** Where the migration was when an attempt happened. */
export type MigrationStage = 'before-switchover' | 'downtime' | 'after-switchover' | 'after-migration';

export interface VmAllocation {
  readonly vm: string;
  /** Fractions of the host CPU. */
  readonly cpu: number;
  readonly cpuDemand: number;
  readonly cpuLimit: number | null;
  readonly memoryBytes: number;
  readonly diskBytesPerS: number;
  readonly diskDemand: number;
  readonly diskLimit: number | null;
  readonly netBytesPerS: number;
  readonly netDemand: number;
  readonly netLimit: number | null;
}

export type IsolationStarted = DomainEvent<'IsolationStarted', {
  readonly vm: string;
  readonly tenants: readonly string[];
  readonly placements: readonly { readonly vm: string; readonly tenant: string; readonly segment: string; readonly host: string }[];
  readonly migrationSegment: string;
  readonly tls: boolean;
}>;

/** The migration stream crosses a segment another tenant is on, unencrypted. */
export type MigrationStreamExposed = DomainEvent<'MigrationStreamExposed', {
  readonly segment: string;
  readonly otherTenants: readonly string[];
}>;

/** A host's resources shared out again (start, a VM arriving or leaving). */
export type ResourcesAllocated = DomainEvent<'ResourcesAllocated', {
  readonly host: string;
  readonly cause: 'initial' | 'reserved' | 'moved' | 'released';
  readonly vms: readonly VmAllocation[];
}>;

export type AccessDenied = DomainEvent<'AccessDenied', {
  readonly from: string;
  readonly to: string;
  readonly fromTenant: string;
  readonly toTenant: string;
  readonly port: number;
  readonly stage: MigrationStage;
  /** Host whose virtual switch dropped the packet: the target's, whose ingress filter refused it (egress is open by default), or the sender's when no router joins the segments. */
  readonly where: string;
  readonly reason: string;
}>;

export type AccessAllowed = DomainEvent<'AccessAllowed', {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly stage: MigrationStage;
  /** False when the target was paused and the packet was lost. */
  readonly delivered: boolean;
}>;

export type IsolationEvent = IsolationStarted | MigrationStreamExposed | ResourcesAllocated | AccessDenied | AccessAllowed;
export type IsolationEventType = IsolationEvent['type'];

export const ISOLATION_EVENT_VERSIONS: { readonly [K in IsolationEventType]: number } = {
  IsolationStarted: 1,
  MigrationStreamExposed: 1,
  ResourcesAllocated: 1,
  AccessDenied: 1,
  AccessAllowed: 1,
};
