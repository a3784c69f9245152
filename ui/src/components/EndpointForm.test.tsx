import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { fleet, selection } from '../state';
import { answer, fail } from '../test/backend';
import { sampleFleet } from '../test/fixtures';
import { EndpointForm } from './EndpointForm';

const invokeMock = vi.mocked(invoke);

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

beforeEach(() => {
  invokeMock.mockReset();
  fleet.value = sampleFleet();
});

describe('EndpointForm', () => {
  it('preselects the site and leaves parent and jump empty', () => {
    render(<EndpointForm fleet={sampleFleet()} site="acme-store" onClose={vi.fn()} />);
    expect(screen.getByTestId<HTMLSelectElement>('field-site').value).toBe('acme-store');
    expect(screen.getByTestId<HTMLSelectElement>('field-parent').value).toBe('');
    expect(screen.getByTestId<HTMLSelectElement>('field-ssh-jump').value).toBe('');
  });

  it('checks the form before sending anything', () => {
    render(<EndpointForm fleet={sampleFleet()} site="acme-hq" onClose={vi.fn()} />);
    type('field-id', 'bad id');
    type('field-ssh-port', '70000');
    fireEvent.click(screen.getByTestId('form-save'));
    const errors = screen.getByTestId('form-error');
    expect(errors.textContent).toContain('Id: use 1–64 letters, digits, . _ or -');
    expect(errors.textContent).toContain('Host: is required');
    expect(errors.textContent).toContain('SSH port: must be a whole number from 1 to 65535');
    expect(invokeMock).not.toHaveBeenCalled();
  });

  it("shows every issue of the server's Invalid answer and stays open", async () => {
    answer(invokeMock, {
      apply_fleet_change: () =>
        fail({
          kind: 'Invalid',
          message: 'the change was not saved',
          issues: [
            {
              file: null,
              line: null,
              field: 'endpoints.acme-db1.host',
              message: 'host is not a valid host name (empty label)',
            },
            {
              file: null,
              line: null,
              field: 'endpoints.acme-db1.parent',
              message: 'parent forms a cycle: a → b → a',
            },
          ],
        }),
    });
    const onClose = vi.fn();
    render(<EndpointForm fleet={sampleFleet()} site="acme-hq" onClose={onClose} />);
    type('field-id', 'acme-db1');
    type('field-host', 'db1..lan');
    fireEvent.click(screen.getByTestId('form-save'));

    const errors = await screen.findByTestId('form-error');
    const lines = [...errors.querySelectorAll('li')].map((li) => li.textContent);
    expect(lines).toEqual([
      'endpoints.acme-db1.host: host is not a valid host name (empty label)',
      'endpoints.acme-db1.parent: parent forms a cycle: a → b → a',
    ]);
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByTestId('form-save')).not.toHaveProperty('disabled', true);
  });

  it('sends CreateEndpoint, takes the returned fleet and selects the new endpoint', async () => {
    const next = sampleFleet();
    answer(invokeMock, {
      apply_fleet_change: ({ change }) => {
        if (change.kind !== 'CreateEndpoint') throw new Error(change.kind);
        next.endpoints.push(change.endpoint);
        return next;
      },
    });
    const onClose = vi.fn();
    render(<EndpointForm fleet={sampleFleet()} site="acme-hq" onClose={onClose} />);
    type('field-id', 'acme-db1');
    type('field-host', '10.0.0.9');
    type('field-tags', 'db, linux');
    type('field-ssh-port', '2222');
    fireEvent.change(screen.getByTestId('field-parent'), { target: { value: 'acme-gw' } });
    fireEvent.click(screen.getByTestId('form-save'));

    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    expect(invokeMock).toHaveBeenCalledWith('apply_fleet_change', {
      change: {
        kind: 'CreateEndpoint',
        endpoint: {
          id: 'acme-db1',
          site: 'acme-hq',
          name: '',
          host: '10.0.0.9',
          tags: ['db', 'linux'],
          notes: '',
          parent: 'acme-gw',
          ssh: { user: null, port: 2222, jump: null, credential: null },
          checks: [],
        },
      },
    });
    expect(fleet.value).toBe(next);
    expect(selection.value).toEqual({ kind: 'endpoint', id: 'acme-db1' });
  });

  it('keeps the id read-only when editing and sends UpdateEndpoint with the checks kept', async () => {
    const existing = sampleFleet().endpoints.find((e) => e.id === 'hanbit-nas');
    answer(invokeMock, { apply_fleet_change: () => sampleFleet() });
    render(<EndpointForm fleet={sampleFleet()} editing={existing} site="" onClose={vi.fn()} />);
    expect(screen.getByTestId<HTMLInputElement>('field-id').readOnly).toBe(true);
    expect(screen.getByTestId<HTMLInputElement>('field-tags').value).toBe('백업 nas');
    fireEvent.submit(screen.getByTestId('form-save').closest('form') as HTMLFormElement);
    await waitFor(() => {
      expect(invokeMock).toHaveBeenCalledWith('apply_fleet_change', {
        change: { kind: 'UpdateEndpoint', endpoint: existing },
      });
    });
  });

  it('closes on Escape', () => {
    const onClose = vi.fn();
    render(<EndpointForm fleet={sampleFleet()} site="acme-hq" onClose={onClose} />);
    fireEvent.keyDown(screen.getByTestId('field-id'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });
});
