import type { IsolationScenario } from './scenario';

export interface Placement {
  readonly vm: string;
  readonly tenant: string;
  readonly segment: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
  /** Denied because no router joins the two segments: the packet never leaves the sender's VLAN. */
  readonly unroutable?: boolean;
}

/**
 * Who may reach whom: the same tenant as the policy says (allow by
 * default, on every port), another tenant only through an explicit allow
 * rule, on the ports it names if it names any. Rules only allow, so their
 * order does not matter. A VLAN boundary alone never grants anything, and a
 * shared VLAN never does either. Different segments reach each other only
 * through a router that joins them: they are VLANs, and with no router
 * listed nothing is routed (failing closed, as two Neutron networks without
 * a router cannot talk, rather than opening paths nobody declared).
 */
export function decideAccess(iso: IsolationScenario, from: Placement, to: Placement, port: number): Decision {
  const segments = new Map(iso.segments.map((s) => [s.name, s]));
  const where = from.segment === to.segment
    ? `shared segment ${from.segment} (VLAN ${segments.get(from.segment)?.vlan})`
    : `segments ${from.segment} (VLAN ${segments.get(from.segment)?.vlan}) and ${to.segment} (VLAN ${segments.get(to.segment)?.vlan})`;
  const routed = from.segment === to.segment
    || (iso.routers ?? []).some((r) => r.segments.includes(from.segment) && r.segments.includes(to.segment));
  if (!routed) return { allowed: false, unroutable: true, reason: `no router joins ${where}` };
  if (from.tenant === to.tenant) {
    return iso.policy['same-tenant'] === 'allow'
      ? { allowed: true, reason: `same tenant ${from.tenant}` }
      : { allowed: false, reason: `policy denies traffic within tenant ${from.tenant}` };
  }
  const rules = iso.policy.allow.filter((r) => r.from === from.tenant && r.to === to.tenant);
  if (rules.some((r) => r.ports === undefined || r.ports.includes(port))) return { allowed: true, reason: `policy allows ${from.tenant} -> ${to.tenant}` };
  if (rules.length > 0) {
    const open = [...new Set(rules.flatMap((r) => r.ports ?? []))].sort((a, b) => a - b).join(', ');
    return { allowed: false, reason: `no rule lets tenant ${from.tenant} reach tenant ${to.tenant} on port ${port} (open: ${open})` };
  }
  return { allowed: false, reason: `no rule lets tenant ${from.tenant} reach tenant ${to.tenant} (${where})` };
}
