// One line of text per problem found in an imported file.
import type { FleetIssue } from '../bindings';

function fieldAndMessage(issue: FleetIssue): string {
  return issue.field === '' ? issue.message : `${issue.field}: ${issue.message}`;
}

/** `file:line: field: message` for a fleet file; the chosen file's name when the issue has none. */
export function fileIssue(issue: FleetIssue, fileName: string): string {
  const file = issue.file ?? fileName;
  const where = issue.line === null ? file : `${file}:${issue.line}`;
  return `${where}: ${fieldAndMessage(issue)}`;
}

/** `line N: field: message` for a CSV row; `line` is the word in the current language. */
export function rowIssue(issue: FleetIssue, line: (n: number) => string): string {
  return issue.line === null ? fieldAndMessage(issue) : `${line(issue.line)}: ${fieldAndMessage(issue)}`;
}
