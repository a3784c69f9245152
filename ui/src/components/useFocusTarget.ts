// Brings a part of a section into view when a link elsewhere asked for it: focus moves to
// the part's heading (tabIndex -1), which also scrolls it into view. The part may appear
// only once its data arrives, so every render checks again until it is done.
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';
import { focusTarget, type FocusTarget } from '../state';

export function useFocusTarget(target: FocusTarget, ref: RefObject<HTMLElement>): void {
  // Read while rendering, so the component renders again when a link asks.
  const wanted = focusTarget.value === target;
  useEffect(() => {
    if (!wanted || !ref.current) return;
    ref.current.focus();
    focusTarget.value = null;
  });
}
