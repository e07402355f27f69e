import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import CreateWizard from './CreateWizard.svelte';
import { fakeBackend } from '../../test/fakeBackend';
import type { AccountView, Capabilities, Catalog, CreateCheck, CreateRequest, FieldProblem, Vm } from '../bindings';

const hyperstack: AccountView = {
  id: 'h1', journal: 'saved', label: 'GPU lab', color: '#2f6fde', has_secret: true,
  settings: { kind: 'hyperstack', base_url: 'https://infrahub-api.nexgencloud.com/v1' },
  vault_path_template: null, proxy: null, ca_certificate_pem: null,
} as unknown as AccountView;

const caps: Capabilities = {
  regions: true, security_rules_at_create: true, key_pairs: true, password_login: false, cloud_init: true, max_count: 20,
  console: 'provider_url', reboot: true, labels: true, max_name_len: 50, import_key: true, clone_only: false,
  public_ip_choice: true, max_user_data_bytes: 65535, hibernate: true, public_ip_attach: true, port_randomization: true, security_groups: false,
};

const catalog: Catalog = {
  regions: [{ id: 'env-1', name: 'env-1 (NORWAY-1)', area: 'NORWAY-1' }],
  images: [{ id: 'Ubuntu 22.04', name: 'Ubuntu 22.04', distribution: null, version: null, region: 'NORWAY-1', min_disk_gb: 20, min_ram_gb: null }],
  flavors: [
    { id: 'tiny', name: 'n3-tiny', region: 'NORWAY-1', vcpu: 1, ram_gb: 2, disk_gb: 10, gpu: null, gpu_count: 0, price: null, available: true },
    { id: 'a100', name: 'n3-A100x1', region: 'NORWAY-1', vcpu: 28, ram_gb: 120, disk_gb: 100, gpu: 'A100', gpu_count: 1, available: true,
      price: { per_hour: 1.35, per_month: null, currency: 'USD', as_given: null } },
  ],
  key_pairs: [{ id: 'laptop', name: 'laptop', fingerprint: null, region: 'env-1' }],
  rule_protocols: ['tcp', 'udp', 'icmp'],
  security_groups: [],
};

/** Stands in for the engine's rules: just enough of them for the wizard's behaviour. */
function judge(request: CreateRequest): CreateCheck {
  const problems: FieldProblem[] = [];
  if (!request.region) problems.push({ field: 'region', message: 'Choose a location.' });
  if (!request.image) problems.push({ field: 'image', message: 'Choose an image.' });
  if (!request.flavor) problems.push({ field: 'flavor', message: 'Choose a size.' });
  if (request.flavor === 'tiny') problems.push({ field: 'flavor', message: 'Ubuntu 22.04 needs 20 GB of disk; this size has 10 GB.' });
  if (!request.key_pair) problems.push({ field: 'key_pair', message: 'Choose a key pair.' });
  if (!request.name) problems.push({ field: 'name', message: 'A name is required.' });
  const call = problems.length ? null : { method: 'POST', path: '/core/virtual-machines', body: { name: request.name, count: request.count, flavor_name: request.flavor } };
  return { problems, unfit_flavors: { tiny: 'Ubuntu 22.04 needs 20 GB of disk; this size has 10 GB.' }, call };
}

function backendFor(overrides = {}) {
  return fakeBackend({
    capabilities: vi.fn(async () => caps),
    catalog: vi.fn(async () => catalog),
    checkCreate: vi.fn(async (_id: string, request: CreateRequest) => judge(request)),
    ...overrides,
  });
}

async function next() {
  const button = screen.getByTestId('wizard-next');
  await vi.waitFor(() => expect(button).toBeEnabled());
  await userEvent.click(button);
}

/** Through account, location, image, size and access to the network step. */
async function walkToNetwork() {
  await userEvent.selectOptions(await screen.findByTestId('wizard-account'), 'h1');
  await next();
  await userEvent.click(await screen.findByLabelText('env-1 (NORWAY-1)'));
  await next();
  await userEvent.click(screen.getByLabelText('Ubuntu 22.04'));
  await next();
  await userEvent.click(screen.getByLabelText('n3-A100x1'));
  await next();
  await userEvent.selectOptions(screen.getByTestId('wizard-key'), 'laptop');
  await next();
}

async function walkToReview() {
  await walkToNetwork();
  await userEvent.click(screen.getByTestId('preset-ssh'));
  await next();
  await next(); // cloud-init is optional
  await userEvent.type(screen.getByTestId('vm-name'), 'gpu-box');
}

const props = (backend: ReturnType<typeof backendFor>) => ({
  backend, accounts: [hyperstack], vmsOf: () => [] as Vm[], onclose: vi.fn(), onssh: vi.fn(),
});

describe('CreateWizard', () => {
  it('shows only the steps the backend supports', async () => {
    const backend = backendFor({ capabilities: vi.fn(async () => ({ ...caps, security_rules_at_create: false, public_ip_choice: false, max_user_data_bytes: 0 })) });
    render(CreateWizard, props(backend));
    await userEvent.selectOptions(await screen.findByTestId('wizard-account'), 'h1');
    await vi.waitFor(() => expect(screen.getByTestId('step-review')).toBeInTheDocument());
    const steps = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(steps).toEqual(['Account', 'Location', 'Image', 'Size', 'Access', 'Review']);
  });

  it('offers port randomisation off by default, only with a public IP, and sends the choice', async () => {
    const checkCreate = vi.fn(async (_id: string, request: CreateRequest) => judge(request));
    render(CreateWizard, props(backendFor({ checkCreate })));
    await walkToNetwork();
    const randomise = screen.getByTestId('port-randomization') as HTMLInputElement;
    expect(randomise.checked).toBe(false);
    expect(screen.getByText(/one-click SSH reaches port 22/)).toBeInTheDocument();
    await userEvent.click(randomise);
    await vi.waitFor(() => expect(checkCreate.mock.calls.at(-1)?.[1]).toMatchObject({ port_randomization: true }));
    await userEvent.click(screen.getByTestId('public-ip'));
    expect(screen.queryByTestId('port-randomization')).toBeNull();
  });

  it('keeps Next disabled with the reason until the step is complete, and disables a size too small for the image', async () => {
    render(CreateWizard, props(backendFor()));
    await userEvent.selectOptions(await screen.findByTestId('wizard-account'), 'h1');
    await next();
    await vi.waitFor(() => expect(screen.getByTestId('step-problems')).toHaveTextContent('Choose a location.'));
    expect(screen.getByTestId('wizard-next')).toBeDisabled();
    await userEvent.click(screen.getByLabelText('env-1 (NORWAY-1)'));
    await next();
    await userEvent.click(screen.getByLabelText('Ubuntu 22.04'));
    await next();
    const tiny = screen.getAllByTestId('flavor-row').find((r) => r.dataset.flavor === 'n3-tiny')!;
    expect(within(tiny).getByRole('radio')).toBeDisabled();
    expect(tiny).toHaveTextContent('needs 20 GB of disk');
  });

  it('reviews the exact request and price, and keeps every input when the provider refuses the create', async () => {
    const refuse = { code: 'invalid_input', message: 'Hyperstack says: Flavor n3-A100x1 is out of stock in env-1.', details: { status: 400 } };
    const backend = backendFor({ createMachines: vi.fn(async () => { throw refuse; }) });
    render(CreateWizard, props(backend));
    await walkToReview();
    await vi.waitFor(() => expect(screen.getByTestId('request-json')).toHaveTextContent('"name": "gpu-box"'));
    expect(screen.getByTestId('review-price')).toHaveTextContent('1.350 USD/h');
    await userEvent.clear(screen.getByTestId('vm-count'));
    await userEvent.type(screen.getByTestId('vm-count'), '2');
    await vi.waitFor(() => expect(screen.getByTestId('review-price')).toHaveTextContent('2.700 USD/h'));
    await userEvent.click(screen.getByTestId('wizard-create'));
    expect(await screen.findByRole('alert')).toHaveTextContent('out of stock in env-1');
    expect(backend.createMachines).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('vm-name')).toHaveValue('gpu-box');
    expect(screen.getByTestId('vm-count')).toHaveValue(2);
    const sent = vi.mocked(backend.createMachines).mock.calls[0][1];
    expect(sent).toMatchObject({ region: 'env-1', image: 'Ubuntu 22.04', flavor: 'a100', key_pair: 'laptop', count: 2 });
    expect(sent.security_rules).toEqual([{ direction: 'ingress', protocol: 'tcp', ethertype: 'v4', cidr: '0.0.0.0/0', port_min: 22, port_max: 22 }]);
    expect(screen.getByTestId('wizard-create')).toBeEnabled();
  });

  it('follows each new VM until it runs and then offers SSH', async () => {
    const creating: Vm = { id: '9', name: 'gpu-box', provider: 'hyperstack', state: 'creating', raw_state: 'CREATING', addresses: [], region: null, image: null, flavor: null, created: null, labels: [], security_rules: [], ssh_port: 22, extra: {} };
    const backend = backendFor({
      createMachines: vi.fn(async () => [creating]),
      getMachine: vi.fn(async () => ({ ...creating, state: 'running', raw_state: 'ACTIVE', addresses: [{ ip: '203.0.113.9', version: 'v4', public: true }] })),
    });
    const p = props(backend);
    render(CreateWizard, p);
    await walkToReview();
    await vi.waitFor(() => expect(screen.getByTestId('wizard-create')).toBeEnabled());
    await userEvent.click(screen.getByTestId('wizard-create'));
    expect(await screen.findByTestId('progress-row')).toHaveAttribute('data-state', 'creating');
    await userEvent.click(await screen.findByTestId('progress-ssh', {}, { timeout: 4000 }));
    expect(p.onssh).toHaveBeenCalledWith('h1', expect.objectContaining({ id: '9', state: 'running' }));
    expect(backend.createMachines).toHaveBeenCalledTimes(1);
  });
});
