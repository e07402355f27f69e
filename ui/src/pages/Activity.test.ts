import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Activity from './Activity.svelte';
import { fakeBackend } from '../test/fakeBackend';
import { toCsv, toJson } from '../lib/activity';
import type { AccountView, AuditEntry } from '../lib/bindings';

const toronto = { id: 'a1', label: 'Toronto' } as unknown as AccountView;
const entries: AuditEntry[] = [
  { at_ms: Date.parse('2026-12-03T10:02:00Z'), action: 'delete', account_id: 'a1', vm_id: 'vm-9', vm_name: 'web-1', target: null, ok: false, error_code: 'permission_denied' },
  { at_ms: Date.parse('2026-12-03T10:01:00Z'), action: 'ssh_open', account_id: null, vm_id: null, vm_name: null, target: '198.51.100.7:22', ok: true, error_code: null },
  { at_ms: Date.parse('2026-12-03T10:00:00Z'), action: 'stop', account_id: 'a1', vm_id: 'vm-9', vm_name: null, target: null, ok: true, error_code: null },
];
const names = { account: (id: string) => (id === 'a1' ? 'Toronto' : undefined), vm: () => undefined };

describe('Activity', () => {
  it('lists the audit log with account names and results, filters it, and copies it as CSV', async () => {
    const backend = fakeBackend({ auditList: vi.fn(async () => entries), listAccounts: vi.fn(async () => [toronto]) });
    const user = userEvent.setup();
    render(Activity, { backend });
    const table = await screen.findByTestId('activity-table');
    const rows = within(table).getAllByTestId('activity-row');
    expect(rows.map((r) => r.getAttribute('data-action'))).toEqual(['delete', 'ssh_open', 'stop']);
    expect(rows[0]).toHaveTextContent('Toronto');
    expect(rows[0]).toHaveTextContent('failed (permission_denied)');
    expect(rows[1]).toHaveTextContent('198.51.100.7:22');

    await user.selectOptions(screen.getByTestId('activity-result'), 'failed');
    expect(within(table).getAllByTestId('activity-row')).toHaveLength(1);
    await user.selectOptions(screen.getByTestId('activity-result'), '');
    await user.type(screen.getByTestId('activity-filter'), 'stop');
    expect(within(table).getAllByTestId('activity-row').map((r) => r.getAttribute('data-action'))).toEqual(['stop']);

    await user.click(screen.getByTestId('activity-csv'));
    expect(await screen.findByRole('status')).toHaveTextContent('Copied 1 entry as CSV.');
    expect(await navigator.clipboard.readText()).toBe(toCsv([entries[2]], names));
  });

  it('saves the entries shown to the file picked in the save dialog, and says nothing when cancelled', async () => {
    const saveTextAs = vi.fn(async (_name: string, _text: string): Promise<string | null> => '/home/ada/activity.csv');
    const backend = fakeBackend({ auditList: vi.fn(async () => entries), listAccounts: vi.fn(async () => [toronto]), saveTextAs });
    const user = userEvent.setup();
    render(Activity, { backend });
    await screen.findByTestId('activity-table');
    await user.selectOptions(screen.getByTestId('activity-result'), 'failed');
    await user.click(screen.getByTestId('activity-save-csv'));
    expect(saveTextAs).toHaveBeenCalledWith(expect.stringMatching(/^vmdeck-activity-\d{4}-\d\d-\d\d\.csv$/), toCsv([entries[0]], names));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved 1 entry as CSV to /home/ada/activity.csv.');

    saveTextAs.mockResolvedValueOnce(null);
    await user.click(screen.getByRole('button', { name: 'Save as JSON…' }));
    expect(saveTextAs).toHaveBeenLastCalledWith(expect.stringMatching(/\.json$/), toJson([entries[0]], names));
    expect(screen.getByRole('status')).toHaveTextContent('Saved 1 entry as CSV');
  });
});

describe('activity exports', () => {
  it('writes RFC 4180 CSV and JSON with ISO times and names beside ids', () => {
    const csv = toCsv(entries, names);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('time,action,account,account_id,vm,vm_id,target,result,error_code');
    // The name the VM had when it was deleted; an entry without one shows the id.
    expect(lines[1]).toBe('"2026-12-03T10:02:00.000Z","delete","Toronto","a1","web-1","vm-9","","failed","permission_denied"');
    expect(lines[3]).toContain('"stop","Toronto","a1","vm-9","vm-9"');
    expect(lines).toHaveLength(5);
    const json = JSON.parse(toJson(entries, names));
    expect(json[1]).toMatchObject({ time: '2026-12-03T10:01:00.000Z', action: 'ssh_open', target: '198.51.100.7:22', account_label: null });
    expect(json[0].account_label).toBe('Toronto');
  });
});
