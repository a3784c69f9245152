// A modal dialog: focus moves into it, Tab stays inside, Escape closes it, and focus
// returns to where it was. Only the topmost dialog reacts to keys.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

const stack: HTMLElement[] = [];

const FOCUSABLE =
  'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex="-1"])';

function keepTabInside(dialog: HTMLElement, e: KeyboardEvent): void {
  const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

type Props = {
  testId: string;
  title: string;
  onClose: () => void;
  wide?: boolean;
  children: ComponentChildren;
};

export function Dialog({ testId, title, onClose, wide = false, children }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  // A layout effect, so focus moves in before the browser handles any further input: a
  // person (or a test) who clicks a field and types at once must not lose keystrokes to
  // a late focus move. Focus already inside the dialog is left where it is.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    stack.push(dialog);
    if (!dialog.contains(document.activeElement)) {
      const first =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ??
        dialog.querySelector<HTMLElement>(
          'input:not([readonly]):not([type=hidden]), select, textarea, button',
        );
      (first ?? dialog).focus();
    }

    const onKey = (e: KeyboardEvent) => {
      if (stack[stack.length - 1] !== dialog || e.isComposing) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      } else if (e.key === 'Tab') {
        keepTabInside(dialog, e);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      stack.splice(stack.indexOf(dialog), 1);
      if (returnTo?.isConnected) returnTo.focus();
    };
  }, []);

  return (
    <div class="backdrop">
      <div
        ref={ref}
        class={wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${testId}-title`}
        data-testid={testId}
        tabIndex={-1}
      >
        <h2 id={`${testId}-title`} class="dialog-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}
