// The create wizard's structure: which steps a backend gets, which step a problem belongs to, what the
// location narrows down. The rules themselves live in the engine (`machine_create_check`).
import type { Capabilities, Catalog, CreateRequest, FieldProblem, Flavor, Image, KeyPair, SecurityRule } from './bindings';
import { perHour } from './machines';

export type StepId = 'account' | 'source' | 'location' | 'image' | 'flavor' | 'access' | 'network' | 'cloudinit' | 'review';

export const stepLabels: Record<StepId, string> = {
  account: 'Account',
  source: 'Based on',
  location: 'Location',
  image: 'Image',
  flavor: 'Size',
  access: 'Access',
  network: 'Network & security',
  cloudinit: 'Cloud-init',
  review: 'Review',
};

/** Only the steps this backend supports; before an account is chosen, only the first. */
export function stepsFor(caps: Capabilities | null, catalog: Catalog | null): StepId[] {
  if (!caps || !catalog) return ['account'];
  const steps: StepId[] = ['account'];
  if (caps.clone_only) steps.push('source');
  else {
    if (caps.regions && catalog.regions.length) steps.push('location');
    if (catalog.images.length) steps.push('image');
    if (catalog.flavors.length) steps.push('flavor');
  }
  if (caps.key_pairs) steps.push('access');
  if (caps.security_rules_at_create || caps.public_ip_choice || caps.security_groups) steps.push('network');
  if (caps.max_user_data_bytes > 0) steps.push('cloudinit');
  steps.push('review');
  return steps;
}

const fieldSteps: Record<string, StepId> = {
  provider_options: 'source',
  region: 'location',
  image: 'image',
  flavor: 'flavor',
  key_pair: 'access',
  security_rules: 'network',
  user_data: 'cloudinit',
  name: 'review',
  count: 'review',
  request: 'review',
};

export function stepOf(problem: FieldProblem): StepId {
  return fieldSteps[problem.field.split('.')[0]] ?? 'review';
}

export function problemsOf(problems: FieldProblem[], step: StepId): FieldProblem[] {
  return problems.filter((p) => stepOf(p) === step);
}

export function emptyRequest(): CreateRequest {
  return {
    name: '',
    count: 1,
    region: null,
    image: null,
    flavor: null,
    key_pair: null,
    assign_public_ip: true,
    port_randomization: false,
    security_groups: [],
    security_rules: [],
    user_data: null,
    labels: [],
    provider_options: null,
  };
}

/** The provider region a location sits in (Hyperstack environments), or the location itself. */
function areaOf(catalog: Catalog, regionId: string | null): string | null {
  if (!regionId) return null;
  const region = catalog.regions.find((r) => r.id === regionId);
  return region?.area ?? region?.id ?? regionId;
}

function inArea<T extends { region: string | null }>(items: T[], area: string | null): T[] {
  return area ? items.filter((i) => !i.region || i.region === area) : items;
}

export function imagesFor(catalog: Catalog, regionId: string | null): Image[] {
  return inArea(catalog.images, areaOf(catalog, regionId));
}

export function flavorsFor(catalog: Catalog, regionId: string | null): Flavor[] {
  return inArea(catalog.flavors, areaOf(catalog, regionId));
}

/** Key pairs belong to a location where the backend says so (Hyperstack: an environment name). */
export function keysFor(catalog: Catalog, regionId: string | null): KeyPair[] {
  return regionId ? catalog.key_pairs.filter((k) => !k.region || k.region === regionId) : catalog.key_pairs;
}

export type PresetId = 'ssh' | 'http' | 'https' | 'rdp' | 'ssh-mine';

export const presets: { id: PresetId; label: string; port: number }[] = [
  { id: 'ssh', label: 'SSH (22) from anywhere', port: 22 },
  { id: 'http', label: 'HTTP (80)', port: 80 },
  { id: 'https', label: 'HTTPS (443)', port: 443 },
  { id: 'rdp', label: 'RDP (3389)', port: 3389 },
  { id: 'ssh-mine', label: 'SSH from my IP only', port: 22 },
];

/** An ingress TCP rule for a preset; "my IP only" takes the address the user typed (as a /32 or /128). */
export function presetRule(id: PresetId, myIp = ''): SecurityRule {
  const port = presets.find((p) => p.id === id)!.port;
  const v6 = myIp.includes(':');
  const cidr = id === 'ssh-mine' ? (myIp.includes('/') ? myIp : `${myIp}/${v6 ? 128 : 32}`) : '0.0.0.0/0';
  return { direction: 'ingress', protocol: 'tcp', ethertype: v6 ? 'v6' : 'v4', cidr, port_min: port, port_max: port };
}

export function emptyRule(): SecurityRule {
  return { direction: 'ingress', protocol: 'tcp', ethertype: 'v4', cidr: '', port_min: null, port_max: null };
}

/** Price per hour × count, when the flavor gives an hourly price. */
export function totalPerHour(flavor: Flavor | undefined, count: number): string | null {
  const price = flavor?.price;
  if (price?.per_hour == null) return price?.as_given ? `${price.as_given} each (unit not stated by the provider)` : null;
  return perHour(price.per_hour * count, price.currency);
}
