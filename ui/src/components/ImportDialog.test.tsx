import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { answer, fail } from '../test/backend';
import { sampleFleet } from '../test/fixtures';
import { ImportDialog } from './ImportDialog';

const invokeMock = vi.mocked(invoke);

function choose(name: string, content: string) {
  const input = screen.getByTestId('import-file');
  fireEvent.change(input, { target: { files: [new File([content], name)] } });
}

beforeEach(() => {
  invokeMock.mockReset();
});

describe('ImportDialog', () => {
  it('merges a fleet file by default and lists every issue by file and line', async () => {
    answer(invokeMock, {
      import_fleet_file: () =>
        fail({
          kind: 'Invalid',
          message: 'not imported',
          issues: [
            { file: 'fleet.toml', line: 4, field: 'customers[0].id', message: 'id is empty' },
            { file: 'fleet.toml', line: 9, field: 'endpoints.web1.site', message: 'unknown site "x"' },
          ],
        }),
    });
    render(<ImportDialog fleet={sampleFleet()} onClose={vi.fn()} />);
    choose('fleet.toml', '[[customers]]\nid = ""\n');
    fireEvent.click(await screen.findByTestId('import-submit'));

    const result = await screen.findByTestId('import-result');
    expect([...result.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'fleet.toml:4: customers[0].id: id is empty',
      'fleet.toml:9: endpoints.web1.site: unknown site "x"',
    ]);
    expect(invokeMock).toHaveBeenCalledWith('import_fleet_file', {
      fileName: 'fleet.toml',
      text: '[[customers]]\nid = ""\n',
      replace: false,
    });
  });

  it('previews a CSV, sends the mapping and shows the report', async () => {
    const csv = 'hostname,address,site\nweb1,10.0.0.1,acme-hq\n';
    answer(invokeMock, {
      preview_csv: () => ({
        headers: ['hostname', 'address', 'site'],
        mapping: ['id', 'host', null],
        rows: 1,
        sample: [['web1', '10.0.0.1', 'acme-hq']],
      }),
      import_csv: () => ({
        imported: true,
        created: 1,
        updated: 0,
        bad_rows: [{ file: 'hosts.csv', line: 3, field: 'host', message: 'host is empty' }],
      }),
      fleet_snapshot: () => sampleFleet(),
    });
    render(<ImportDialog fleet={sampleFleet()} onClose={vi.fn()} />);
    choose('hosts.csv', csv);

    const siteColumn = await screen.findByTestId<HTMLSelectElement>('csv-map-2');
    expect(screen.getByTestId<HTMLSelectElement>('csv-map-0').value).toBe('id');
    expect(siteColumn.value).toBe('');
    fireEvent.change(siteColumn, { target: { value: 'site' } });
    fireEvent.change(screen.getByTestId('csv-default-site'), { target: { value: 'acme-store' } });
    fireEvent.click(screen.getByTestId('csv-allow-partial'));
    fireEvent.click(screen.getByTestId('import-submit'));

    const result = await screen.findByTestId('import-result');
    expect(result.textContent).toContain('Created: 1, updated: 0.');
    expect(result.textContent).toContain('line 3: host: host is empty');
    expect(invokeMock).toHaveBeenCalledWith('preview_csv', {
      fileName: 'hosts.csv',
      bytes: [...new TextEncoder().encode(csv)],
    });
    expect(invokeMock).toHaveBeenCalledWith('import_csv', {
      fileName: 'hosts.csv',
      bytes: [...new TextEncoder().encode(csv)],
      options: { mapping: ['id', 'host', 'site'], default_site: 'acme-store', allow_partial: true },
    });
    await waitFor(() => {
      expect(invokeMock).toHaveBeenCalledWith('fleet_snapshot', {});
    });
  });

  it('refuses other file types', async () => {
    render(<ImportDialog fleet={sampleFleet()} onClose={vi.fn()} />);
    choose('hosts.xlsx', 'x');
    expect((await screen.findByTestId('import-result')).textContent).toContain(
      'Choose a .toml fleet file or a .csv file.',
    );
    expect(invokeMock).not.toHaveBeenCalled();
  });
});
