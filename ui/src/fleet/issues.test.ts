import { describe, expect, it } from 'vitest';
import { fileIssue, rowIssue } from './issues';

describe('issue lines', () => {
  it('says file:line: field: message for fleet files', () => {
    expect(
      fileIssue(
        { file: 'fleet.toml', line: 12, field: 'endpoints.web1.host', message: 'host is empty' },
        'x.toml',
      ),
    ).toBe('fleet.toml:12: endpoints.web1.host: host is empty');
  });

  it('falls back to the chosen file and leaves out a missing line', () => {
    expect(fileIssue({ file: null, line: null, field: 'sites', message: 'm' }, 'mine.toml')).toBe(
      'mine.toml: sites: m',
    );
  });

  it('says line N: field: message for CSV rows', () => {
    const line = (n: number) => `line ${String(n)}`;
    expect(rowIssue({ file: 'a.csv', line: 3, field: 'host', message: 'is empty' }, line)).toBe(
      'line 3: host: is empty',
    );
    expect(rowIssue({ file: null, line: null, field: '', message: 'no rows' }, line)).toBe('no rows');
  });
});
