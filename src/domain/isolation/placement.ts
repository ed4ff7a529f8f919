import type { FieldProblem } from '../errors';
import type { Scenario } from '../scenario/schema';
import type { IsolatedVm, IsolationScenario } from './scenario';

const GiB = 1024 ** 3;

function gib(n: number): string {
  return `${(n / GiB).toFixed(2)} GiB`;
}

/** Memory a VM holds on its host: its cap if it has one, else what it needs. */
export function memoryReservation(vm: IsolatedVm, migratingVm: string, vmMemoryBytes: number): number {
  return vm.limits.memory ?? (vm.name === migratingVm ? vmMemoryBytes : (vm.memory ?? 0));
}

/**
 * Why the migration cannot go where the scenario sends it: the destination
 * outside the VM's segment, dedicated to another tenant, against one of
 * its server groups, or unable to reserve its limits; a migration
 * segment that does not reach both hosts; or a host whose VMs already
 * reserve more than it has. Checked before anything runs; an empty list
 * means the policy can hold on the destination.
 */
export function placementProblems(scenario: Scenario, iso: IsolationScenario): FieldProblem[] {
  const name = scenario.vm.name;
  const { source, destination } = scenario.hosts;
  const index = iso.vms.findIndex((v) => v.name === name);
  if (index < 0) return [{ path: 'isolation.vms', reason: `must list the migrating VM "${name}"` }];
  const vm = iso.vms[index];
  const at = `isolation.vms.${index}`;
  const problems: FieldProblem[] = [];
  if (vm.host !== source) problems.push({ path: `${at}.host`, reason: `is ${vm.host} but the VM migrates from hosts.source ${source}` });
  if (vm.limits.memory !== undefined && vm.limits.memory < scenario.vm.memory) {
    problems.push({ path: `${at}.limits.memory`, reason: `${gib(vm.limits.memory)} is below vm.memory ${gib(scenario.vm.memory)}` });
  }
  problems.push(...overReservedHosts(iso, name, scenario.vm.memory));
  const stream = iso.segments.find((s) => s.name === iso['migration-segment']);
  for (const end of [source, destination]) {
    if (stream && !stream.hosts.includes(end)) {
      problems.push({ path: 'isolation.migration-segment', reason: `${stream.name} (VLAN ${stream.vlan}) is not trunked to ${end}, so the migration stream cannot cross it` });
    }
  }
  const host = iso.hosts.find((h) => h.name === destination);
  if (!host) return [...problems, { path: 'isolation.hosts', reason: `must include hosts.destination "${destination}"` }];
  const owner = host['dedicated-to'];
  if (owner !== undefined && owner !== vm.tenant) {
    problems.push({ path: 'hosts.destination', reason: `${destination} is dedicated to tenant ${owner}; ${name} (tenant ${vm.tenant}) may not run there` });
  }
  problems.push(...serverGroupProblems(iso, name, destination));
  const segment = iso.segments.find((s) => s.name === vm.segment);
  if (segment && !segment.hosts.includes(destination)) {
    problems.push({
      path: 'hosts.destination',
      reason: `${destination} is not on ${name}'s segment ${segment.name} (VLAN ${segment.vlan}); its isolation policy cannot hold there`,
    });
  }
  const residents = iso.vms.filter((v) => v.host === destination && v.name !== name);
  const reserved = (pick: (v: IsolatedVm) => number | undefined) => residents.reduce((sum, v) => sum + (pick(v) ?? 0), 0);
  const memoryNeeded = memoryReservation(vm, name, scenario.vm.memory);
  const memoryUsed = residents.reduce((sum, v) => sum + memoryReservation(v, name, scenario.vm.memory), 0);
  if (exceeds(memoryUsed + memoryNeeded, host.memory)) {
    problems.push({ path: `${at}.limits.memory`, reason: `${destination} cannot hold ${gib(memoryNeeded)} for ${name}: ${gib(Math.max(0, host.memory - memoryUsed))} of ${gib(host.memory)} free` });
  }
  const share = vm.limits['vcpu-share'];
  if (share !== undefined && exceeds(reserved((v) => v.limits['vcpu-share']) + share, 1)) {
    problems.push({ path: `${at}.limits.vcpu-share`, reason: `${destination} cannot reserve ${share} of its CPU: ${Math.max(0, 1 - reserved((v) => v.limits['vcpu-share'])).toFixed(3)} unreserved` });
  }
  for (const key of ['disk-rate', 'net-rate'] as const) {
    const limit = vm.limits[key];
    if (limit !== undefined && exceeds(reserved((v) => v.limits[key]) + limit, host[key])) {
      problems.push({ path: `${at}.limits.${key}`, reason: `${destination} cannot reserve ${limit} bytes/s: ${Math.max(0, host[key] - reserved((v) => v.limits[key]))} of ${host[key]} bytes/s unreserved` });
    }
  }
  return problems;
}

/** Reservations summed past a capacity; one relative tolerance, so sums of fractional shares (0.1 + 0.2) decide alike wherever they are checked. */
function exceeds(total: number, capacity: number): boolean {
  return total > capacity * (1 + 1e-9);
}

/**
 * Hosts whose VMs, as placed, already reserve more than the host has: a
 * reservation is only a guarantee if admission control refused the ones that
 * do not fit, so such a placement could never have been reached.
 */
function overReservedHosts(iso: IsolationScenario, migratingVm: string, vmMemoryBytes: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  iso.hosts.forEach((host, i) => {
    const residents = iso.vms.filter((v) => v.host === host.name);
    const overBy = (what: string, reservedOf: (v: IsolatedVm) => number | undefined, capacity: number, show: (n: number) => string) => {
      const holders = residents.filter((v) => reservedOf(v) !== undefined && (reservedOf(v) as number) > 0);
      const total = holders.reduce((sum, v) => sum + (reservedOf(v) as number), 0);
      if (!exceeds(total, capacity)) return;
      const who = holders.map((v) => `${v.name} ${show(reservedOf(v) as number)}`).join(', ');
      problems.push({ path: `isolation.hosts.${i}`, reason: `the VMs placed on ${host.name} reserve ${show(total)} of ${what} (${who}) but it has ${show(capacity)}` });
    };
    overBy('memory', (v) => memoryReservation(v, migratingVm, vmMemoryBytes), host.memory, gib);
    overBy('CPU', (v) => v.limits['vcpu-share'], 1, (n) => `${Number(n.toFixed(3))}`);
    overBy('disk-rate', (v) => v.limits['disk-rate'], host['disk-rate'], (n) => `${n} bytes/s`);
    overBy('net-rate', (v) => v.limits['net-rate'], host['net-rate'], (n) => `${n} bytes/s`);
  });
  return problems;
}

/** The migrating VM's server groups the destination would break, as Nova's affinity filters refuse a host. */
function serverGroupProblems(iso: IsolationScenario, name: string, destination: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const group of iso['server-groups'] ?? []) {
    if (!group.vms.includes(name)) continue;
    const others = iso.vms.filter((v) => v.name !== name && group.vms.includes(v.name));
    if (group.policy === 'anti-affinity') {
      const there = others.filter((v) => v.host === destination).map((v) => v.name);
      if (there.length > 0) problems.push({ path: 'hosts.destination', reason: `${destination} runs ${there.join(', ')} of ${name}'s anti-affinity group ${group.name}` });
    } else {
      const elsewhere = others.filter((v) => v.host !== destination).map((v) => `${v.name} on ${v.host}`);
      if (elsewhere.length > 0) problems.push({ path: 'hosts.destination', reason: `moving ${name} alone to ${destination} splits its affinity group ${group.name} (${elsewhere.join(', ')})` });
    }
  }
  return problems;
}
