// A state as a coloured dot AND its word, so it never rests on colour alone.
import type { CheckState } from '../bindings';
import { stateLabel } from '../status/format';

export function StatusBadge({
  state,
  testId,
  compact,
}: {
  state: CheckState;
  testId?: string | undefined;
  compact?: boolean;
}) {
  return (
    <span class={`state-badge${compact ? ' compact' : ''}`} data-state={state} data-testid={testId}>
      <span class="dot" aria-hidden="true" />
      {stateLabel(state)}
    </span>
  );
}
