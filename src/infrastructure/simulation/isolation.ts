import { event, type EventEnvelope } from '../../domain/event';
import { allocate, type Claim } from '../../domain/isolation/allocation';
import type {
  AccessAllowed, AccessDenied, IsolationStarted, MigrationStage, MigrationStreamExposed, ResourcesAllocated, VmAllocation,
} from '../../domain/isolation/events';
import { memoryReservation } from '../../domain/isolation/placement';
import { decideAccess } from '../../domain/isolation/policy';
import type { IsolatedVm, IsolationScenario } from '../../domain/isolation/scenario';
import type { VmResumed } from '../../domain/migration/events';
import type { Scenario } from '../../domain/scenario/schema';
import { SideProcess } from './side-process';
import { msToNs } from '../../domain/units';
import type { EventBus } from '../event-bus';
import type { Scheduler } from '../scheduler';

export interface IsolationOptions {
  readonly scenario: Scenario;
  readonly isolation: IsolationScenario;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
}

const ENDING = new Set(['MigrationCompleted', 'MigrationCancelled', 'MigrationFailed']);

/** Whether the migration stream is encrypted: `migration.tls` when the scenario has it. */
export function migrationTls(scenario: Scenario): boolean {
  return (scenario.migration as { tls?: boolean }).tls === true;
}

/**
 * Tenants and their VMs beside the migration: every access attempt goes
 * through the policy at the target's host whatever the migration stage
 * (denied ones are dropped and logged), hosts' resources are shared out
 * again whenever the migrating VM reserves, arrives or leaves, and an
 * unencrypted stream over a segment shared with another tenant is reported.
 */
export class IsolationSimulation extends SideProcess {
  private readonly iso: IsolationScenario;
  private readonly vmName: string;
  private readonly hostOf = new Map<string, string>();
  private readonly byName = new Map<string, IsolatedVm>();
  private running = true;
  private stage: MigrationStage = 'before-switchover';
  private reservedOn: string | null = null;
  private endedAtNs: number | null = null;

  constructor(private readonly options: IsolationOptions) {
    super(options.scheduler, options.bus);
    this.iso = options.isolation;
    this.vmName = options.scenario.vm.name;
    for (const vm of this.iso.vms) {
      this.hostOf.set(vm.name, vm.host);
      this.byName.set(vm.name, vm);
    }
  }


  protected observe(batch: readonly EventEnvelope[]): void {
    for (const e of batch) {
      if (e.type === 'MigrationStarted') {
        this.reservedOn = this.options.scenario.hosts.destination;
        this.at(e.at, () => this.reallocate(this.reservedOn as string, 'reserved'));
      } else if (e.type === 'VmPaused') {
        this.running = false;
        this.stage = 'downtime';
      } else if (e.type === 'VmResumed') {
        const host = (e as EventEnvelope<VmResumed>).data.host;
        this.running = true;
        const from = this.hostOf.get(this.vmName) as string;
        if (host !== from) {
          this.stage = 'after-switchover';
          this.hostOf.set(this.vmName, host);
          this.reservedOn = null;
          this.at(e.at, () => {
            this.reallocate(from, 'moved');
            this.reallocate(host, 'moved');
          });
        } else {
          this.stage = 'before-switchover';
        }
      } else if (ENDING.has(e.type) && this.endedAtNs === null) {
        this.endedAtNs = e.at;
        this.stage = 'after-migration';
        const reserved = this.reservedOn;
        if (reserved !== null) {
          this.reservedOn = null;
          this.at(e.at, () => this.reallocate(reserved, 'released'));
        }
        this.at(e.at + msToNs(this.iso['observe-after']), () => { this.stopped = true; });
      }
    }
  }

  protected start(): void {
    const scenario = this.options.scenario;
    const own = this.byName.get(this.vmName) as IsolatedVm;
    const migrationSegment = this.iso['migration-segment'] ?? own.segment;
    const tls = migrationTls(scenario);
    this.options.bus.emit(event<IsolationStarted>('IsolationStarted', 1, {
      vm: this.vmName,
      tenants: [...this.iso.tenants],
      placements: this.iso.vms.map((v) => ({ vm: v.name, tenant: v.tenant, segment: v.segment, host: v.host })),
      migrationSegment,
      tls,
    }));
    const segment = this.iso.segments.find((s) => s.name === migrationSegment);
    const others = new Set(segment?.tenants.filter((t) => t !== own.tenant) ?? []);
    for (const v of this.iso.vms) if (v.segment === migrationSegment && v.tenant !== own.tenant) others.add(v.tenant);
    if (!tls && others.size > 0) {
      this.options.bus.emit(event<MigrationStreamExposed>('MigrationStreamExposed', 1, { segment: migrationSegment, otherTenants: [...others].sort() }));
    }
    const hosts = [...new Set(this.iso.vms.map((v) => v.host))].sort();
    for (const host of hosts) this.reallocate(host, 'initial');
    this.iso.attempts.forEach((attempt, i) => {
      const intervalNs = msToNs(attempt.interval);
      const tick = () => {
        if (this.endedAtNs === null && this.alone) return;
        this.attempt(attempt.from, attempt.to, attempt.port);
        this.at(this.now + intervalNs, tick);
      };
      // Staggered so attempts of different pairs do not all land on the same instant.
      this.at(this.now + Math.floor((intervalNs * i) / Math.max(1, this.iso.attempts.length)), tick);
    });
  }

  /**
   * Decided as security groups do: egress is open by default, so a denial is
   * the target's ingress filter, on the host where the target's port is bound
   * (the destination once the VM has resumed there); a packet with no router
   * to the target's segment never leaves the sender's host.
   */
  private attempt(from: string, to: string, port: number): void {
    // A paused VM sends nothing.
    if (from === this.vmName && !this.running) return;
    const a = this.byName.get(from) as IsolatedVm;
    const b = this.byName.get(to) as IsolatedVm;
    const decision = decideAccess(this.iso, { vm: a.name, tenant: a.tenant, segment: a.segment }, { vm: b.name, tenant: b.tenant, segment: b.segment }, port);
    const stage = this.stage;
    if (!decision.allowed) {
      this.options.bus.emit(event<AccessDenied>('AccessDenied', 1, {
        from, to, fromTenant: a.tenant, toTenant: b.tenant, port, stage, where: this.hostOf.get(decision.unroutable ? from : to) as string, reason: decision.reason,
      }));
      return;
    }
    const delivered = to !== this.vmName || this.running;
    this.options.bus.emit(event<AccessAllowed>('AccessAllowed', 1, { from, to, port, stage, delivered }));
  }

  private reallocate(host: string, cause: ResourcesAllocated['data']['cause']): void {
    const capacity = this.iso.hosts.find((h) => h.name === host);
    if (!capacity) return;
    const residents = this.iso.vms.filter((v) => this.hostOf.get(v.name) === host);
    const reservedOnly = this.reservedOn === host ? [this.byName.get(this.vmName) as IsolatedVm] : [];
    const claims = (pick: (v: IsolatedVm) => Claim) => residents.map(pick);
    const cpu = allocate(1, claims((v) => ({ vm: v.name, demand: v.demand.cpu, limit: v.limits['vcpu-share'] ?? null })));
    const disk = allocate(capacity['disk-rate'], claims((v) => ({ vm: v.name, demand: v.demand['disk-rate'] ?? 0, limit: v.limits['disk-rate'] ?? null })));
    const net = allocate(capacity['net-rate'], claims((v) => ({ vm: v.name, demand: v.demand['net-rate'] ?? 0, limit: v.limits['net-rate'] ?? null })));
    const memoryOf = (v: IsolatedVm) => memoryReservation(v, this.vmName, this.options.scenario.vm.memory);
    const vms: VmAllocation[] = residents.map((v) => ({
      vm: v.name,
      cpu: cpu.get(v.name) ?? 0,
      cpuDemand: v.demand.cpu,
      cpuLimit: v.limits['vcpu-share'] ?? null,
      memoryBytes: memoryOf(v),
      diskBytesPerS: disk.get(v.name) ?? 0,
      diskDemand: v.demand['disk-rate'] ?? 0,
      diskLimit: v.limits['disk-rate'] ?? null,
      netBytesPerS: net.get(v.name) ?? 0,
      netDemand: v.demand['net-rate'] ?? 0,
      netLimit: v.limits['net-rate'] ?? null,
    }));
    for (const v of reservedOnly) {
      vms.push({
        vm: v.name, cpu: 0, cpuDemand: 0, cpuLimit: null, memoryBytes: memoryOf(v),
        diskBytesPerS: 0, diskDemand: 0, diskLimit: null, netBytesPerS: 0, netDemand: 0, netLimit: null,
      });
    }
    this.options.bus.emit(event<ResourcesAllocated>('ResourcesAllocated', 1, { host, cause, vms }));
  }
}
