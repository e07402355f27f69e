import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import AccessStep from './AccessStep.svelte';
import ReviewStep from './ReviewStep.svelte';
import { emptyRequest } from '../../wizard';
import type { Capabilities } from '../../bindings';

const caps: Capabilities = {
  regions: true, security_rules_at_create: true, key_pairs: true, password_login: false, cloud_init: true, max_count: 20,
  console: 'provider_url', reboot: true, labels: true, max_name_len: 50, import_key: true, clone_only: false,
  public_ip_choice: true, max_user_data_bytes: 65535, hibernate: true, public_ip_attach: true, port_randomization: true, security_groups: false,
};

describe('the Access step', () => {
  it('uploads a public key, clearing the form once it is used, and keeps what was typed when the upload fails', async () => {
    const onupload = vi.fn().mockRejectedValueOnce({ code: 'invalid_input', message: 'not a key', details: null }).mockResolvedValueOnce(undefined);
    render(AccessStep, { caps, keys: [], keyPair: null, onupload });
    await userEvent.type(screen.getByLabelText('Key name'), ' laptop ');
    await userEvent.type(screen.getByLabelText('Public key'), 'ssh-ed25519 AAAA me@host');
    await userEvent.click(screen.getByTestId('upload-key'));
    expect(onupload).toHaveBeenLastCalledWith('laptop', 'ssh-ed25519 AAAA me@host');
    expect(screen.getByLabelText('Key name')).toHaveValue(' laptop ');
    await userEvent.click(screen.getByTestId('upload-key'));
    await vi.waitFor(() => expect(screen.getByLabelText('Key name')).toHaveValue(''));
    expect(onupload).toHaveBeenCalledTimes(2);
  });

  it('offers the provider’s password where the backend sets one, and no upload where it cannot import keys', () => {
    render(AccessStep, { caps: { ...caps, password_login: true, import_key: false }, keys: [], keyPair: null, onupload: vi.fn() });
    expect(screen.getByTestId('wizard-key')).toHaveTextContent('None: log in with the password the provider sets');
    expect(screen.queryByTestId('upload-key')).toBeNull();
  });
});

describe('the Review step', () => {
  const summary = { location: 'env-1 (NORWAY-1)', image: 'Ubuntu 22.04', size: 'n3-A100x1', basedOn: '—', keyPair: 'laptop', cloudInit: 'none' };
  const call = { method: 'POST', path: '/core/virtual-machines', body: { name: 'web', count: 2 } };

  it('shows the summary, the price and the exact request, and saves a template under the typed name', async () => {
    const onsavetemplate = vi.fn(async () => {});
    render(ReviewStep, { caps, request: { ...emptyRequest(), name: 'web', count: 2 }, summary, price: '2.700 USD/h', call, onsavetemplate });
    expect(screen.getByTestId('review-price')).toHaveTextContent('2.700 USD/h');
    expect(screen.getByText('n3-A100x1')).toBeInTheDocument();
    expect(JSON.parse(screen.getByTestId('request-json').textContent ?? '')).toEqual(call.body);
    await userEvent.type(screen.getByLabelText('Template name'), 'gpu box ');
    await userEvent.click(screen.getByTestId('save-template'));
    expect(onsavetemplate).toHaveBeenCalledWith('gpu box');
    expect(await screen.findByText('Saved “gpu box”.')).toBeInTheDocument();
  });

  it('says when the provider states no price', () => {
    render(ReviewStep, { caps, request: emptyRequest(), summary, price: null, call: null, onsavetemplate: vi.fn() });
    expect(screen.getByTestId('review-price')).toHaveTextContent('not stated by the provider');
    expect(screen.queryByTestId('request-json')).toBeNull();
  });
});
