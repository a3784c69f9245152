// A list that keeps only the rows in view (plus a few either side) in the DOM, so 10,000
// problems cost what 40 do. Rows have one fixed height; a spacer as tall as every row
// keeps the scroll bar honest. It is a listbox: arrow keys, Page Up/Down, Home and End
// move the selection (which follows the keys, as in the tree) and keep it in view.
import type { ComponentChildren, RefObject } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** Rows drawn above and below the visible ones, so a fast scroll shows no blank. */
const OVERSCAN = 8;
/** The height assumed before the list is measured (and in jsdom, which has no layout). */
const FALLBACK_VIEWPORT = 600;

export type RowInfo = { testId?: string; state?: string; title?: string };

type Props<T> = {
  items: readonly T[];
  rowHeight: number;
  rowKey: (item: T) => string;
  renderRow: (item: T, index: number) => ComponentChildren;
  rowInfo?: (item: T, index: number) => RowInfo;
  selectedIndex: number;
  onChoose: (index: number) => void;
  label: string;
  testId: string;
  idPrefix: string;
};

/** The rows to draw for a scroll position: [first, end). */
export function visibleRange(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  overscan: number = OVERSCAN,
): [number, number] {
  if (count === 0) return [0, 0];
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return [Math.min(first, end), end];
}

/** The height of a scrolling box, kept up to date as it resizes (the fallback before layout). */
export function useViewport(box: RefObject<HTMLElement>): number {
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      setViewport(el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, []);
  return viewport;
}

export function VirtualList<T>({
  items,
  rowHeight,
  rowKey,
  renderRow,
  rowInfo,
  selectedIndex,
  onChoose,
  label,
  testId,
  idPrefix,
}: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const viewport = useViewport(box);

  // A shorter list (a filter, a batch of recoveries) must not leave the view past its end.
  const height = items.length * rowHeight;
  const top = Math.min(scrollTop, Math.max(0, height - viewport));
  const [first, end] = visibleRange(items.length, rowHeight, top, viewport);

  const scrollTo = (index: number) => {
    const el = box.current;
    if (!el) return;
    const rowTop = index * rowHeight;
    let next = top;
    if (rowTop < top) next = rowTop;
    else if (rowTop + rowHeight > top + viewport) next = rowTop + rowHeight - viewport;
    if (next !== top) {
      el.scrollTop = next;
      setScrollTop(next);
    }
  };

  const move = (index: number) => {
    if (items.length === 0) return;
    const to = Math.min(items.length - 1, Math.max(0, index));
    onChoose(to);
    scrollTo(to);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewport / rowHeight) - 1);
    const at = selectedIndex;
    switch (e.key) {
      case 'ArrowDown':
        move(at < 0 ? 0 : at + 1);
        break;
      case 'ArrowUp':
        move(at < 0 ? 0 : at - 1);
        break;
      case 'PageDown':
        move(at + page);
        break;
      case 'PageUp':
        move(at - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(items.length - 1);
        break;
      case 'Enter':
      case ' ':
        if (at >= 0) onChoose(at);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const rows: ComponentChildren[] = [];
  for (let i = first; i < end; i++) {
    const item = items[i];
    if (item === undefined) continue;
    const info = rowInfo?.(item, i) ?? {};
    const selected = i === selectedIndex;
    rows.push(
      <div
        key={rowKey(item)}
        id={`${idPrefix}-${String(i)}`}
        role="option"
        class={`vrow${selected ? ' selected' : ''}`}
        aria-selected={selected ? 'true' : 'false'}
        aria-setsize={items.length}
        aria-posinset={i + 1}
        title={info.title}
        data-testid={info.testId}
        data-state={info.state}
        style={{ top: `${String(i * rowHeight)}px`, height: `${String(rowHeight)}px` }}
        onClick={() => {
          onChoose(i);
        }}
      >
        {renderRow(item, i)}
      </div>,
    );
  }

  const activeShown = selectedIndex >= first && selectedIndex < end;
  return (
    <div
      ref={box}
      class="vlist"
      role="listbox"
      tabIndex={0}
      aria-label={label}
      aria-activedescendant={activeShown ? `${idPrefix}-${String(selectedIndex)}` : undefined}
      data-testid={testId}
      data-count={items.length}
      onScroll={(e) => {
        setScrollTop(e.currentTarget.scrollTop);
      }}
      onKeyDown={onKeyDown}
    >
      <div class="vlist-spacer" style={{ height: `${String(height)}px` }}>
        {rows}
      </div>
    </div>
  );
}
