// The fleet as a flat ARIA tree (rows carry aria-level), so arrow keys can walk the
// visible rows in order: Up/Down move, Page Up/Down move a screenful, Home/End go to the
// ends, Right expands (or goes to the first child), Left collapses or goes to the parent.
//
// Virtualized like the problem list: rows have one fixed height, a spacer as tall as
// every row keeps the scroll bar honest, and only the rows in view (plus a few either
// side) are in the DOM, so 10,000 endpoints cost what 40 do. The one row in the Tab
// order (the selected one, else the first) is always drawn, so the tree can be reached
// with Tab and keeps focus while it scrolls out of view.
import { Component, type ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CheckState } from '../bindings';
import { refKey, treeRows, type CustomerNode, type EntityRef, type TreeRow } from '../fleet/tree';
import { t } from '../i18n';
import { collapsed, selection, toggleCollapsed } from '../state';
import type { Rollup } from '../status/rollup';
import { health } from '../status/store';
import { StatusBadge } from './StatusBadge';
import { useViewport, visibleRange } from './VirtualList';

/** The height of every row, in CSS pixels. */
export const TREE_ROW_HEIGHT = 26;

/** The row (a `refKey`) to focus as soon as it is drawn. */
let pendingFocus: string | null = null;
/** The mounted tree's way to bring a row into view and focus it; null when none is. */
let showRow: ((key: string) => void) | null = null;

function rowElement(container: Element | null, key: string): HTMLElement | undefined {
  return [...(container?.querySelectorAll<HTMLElement>('[role=treeitem]') ?? [])].find(
    (el) => el.dataset.key === key,
  );
}

/** Focuses the row waiting for focus, if it is drawn; true when it was. */
function focusPending(container: Element | null): boolean {
  if (pendingFocus === null) return false;
  const el = rowElement(container, pendingFocus);
  if (!el) return false;
  pendingFocus = null;
  if (document.activeElement !== el) el.focus();
  return true;
}

/**
 * Moves keyboard focus to an entity's row: the tree scrolls so the row is drawn, then
 * focuses it. A tree not mounted yet focuses it when it mounts.
 */
export function focusRow(ref: EntityRef): void {
  pendingFocus = refKey(ref);
  if (showRow) showRow(pendingFocus);
  else focusPending(document.querySelector('[role=tree]'));
}

type RowProps = {
  row: TreeRow;
  index: number;
  selected: boolean;
  tabbable: boolean;
  /** Health, when anything of it was checked. */
  state: CheckState | null | undefined;
};

function RowView({ row, index, selected, tabbable, state }: RowProps) {
  const { ref: entity, level, label, open } = row;
  return (
    <div
      role="treeitem"
      class={`row level-${String(level)}${selected ? ' selected' : ''}`}
      aria-level={level}
      aria-setsize={row.setsize}
      aria-posinset={row.posinset}
      aria-selected={selected ? 'true' : 'false'}
      aria-expanded={row.expandable ? open : undefined}
      data-key={row.key}
      data-testid={`tree-${entity.kind}-${entity.id}`}
      tabIndex={tabbable ? 0 : -1}
      style={{ top: `${String(index * TREE_ROW_HEIGHT)}px`, height: `${String(TREE_ROW_HEIGHT)}px` }}
      onClick={() => {
        selection.value = entity;
      }}
    >
      {row.expandable ? (
        <span
          class="twisty"
          aria-hidden="true"
          title={t(open ? 'tree.collapse' : 'tree.expand', { name: label })}
          onClick={(e) => {
            e.stopPropagation();
            toggleCollapsed(entity);
          }}
        >
          {open ? '▾' : '▸'}
        </span>
      ) : (
        <span class="twisty" aria-hidden="true" />
      )}
      <span class="row-label">{label}</span>
      {row.demo ? <span class="tag demo">{t('tree.demo')}</span> : null}
      <span class="row-detail">{row.detail}</span>
      {state ? (
        <StatusBadge
          state={state}
          compact
          testId={entity.kind === 'endpoint' ? `tree-state-${entity.id}` : undefined}
        />
      ) : null}
    </div>
  );
}

function sameRow(a: RowProps, b: RowProps): boolean {
  return (
    a.row === b.row &&
    a.index === b.index &&
    a.selected === b.selected &&
    a.tabbable === b.tabbable &&
    a.state === b.state
  );
}

/**
 * A row re-renders only when its own props change: a status batch changes a few states
 * among the rows drawn. The language, which a row reads, still re-renders it by itself.
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return !sameRow(this.props, next);
  }

  override render() {
    return <RowView {...this.props} />;
  }
}

function stateOf(states: Rollup, ref: EntityRef): CheckState | null | undefined {
  switch (ref.kind) {
    case 'customer':
      return states.customers.get(ref.id)?.state;
    case 'site':
      return states.sites.get(ref.id)?.state;
    case 'endpoint':
      return states.endpoints.get(ref.id)?.state;
  }
}

type Flat = { rows: TreeRow[]; at: ReadonlyMap<string, number> };

function flatten(tree: CustomerNode[], hidden: ReadonlySet<string>): Flat {
  const rows = treeRows(tree, hidden);
  return { rows, at: new Map(rows.map((r, i) => [r.key, i])) };
}

export function Tree({ tree }: { tree: CustomerNode[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [, redraw] = useState(0);
  const viewport = useViewport(box);
  const hidden = collapsed.value;
  // Built once per fleet, filter or collapse: a status batch reuses it.
  const { rows, at } = useMemo(() => flatten(tree, hidden), [tree, hidden]);
  const sel = selection.value;
  const selKey = sel ? refKey(sel) : null;
  const selIndex = selKey === null ? -1 : (at.get(selKey) ?? -1);
  // One row is in the Tab order: the selected one, or the first.
  const focusIndex = selIndex >= 0 ? selIndex : rows.length > 0 ? 0 : -1;

  // A shorter tree (a collapse, a filter) must not leave the view past its end.
  const height = rows.length * TREE_ROW_HEIGHT;
  const top = Math.min(scrollTop, Math.max(0, height - viewport));
  const [first, end] = visibleRange(rows.length, TREE_ROW_HEIGHT, top, viewport);

  const scrollToIndex = (index: number) => {
    const el = box.current;
    if (!el || index < 0) return;
    const rowTop = index * TREE_ROW_HEIGHT;
    let next = top;
    if (rowTop < top) next = rowTop;
    else if (rowTop + TREE_ROW_HEIGHT > top + viewport) next = rowTop + TREE_ROW_HEIGHT - viewport;
    if (next !== top) {
      el.scrollTop = next;
      setScrollTop(next);
    }
  };

  // Brings a row into view, then focuses it once it is drawn (now, or after the re-render).
  const show = (key: string) => {
    const index = at.get(key);
    if (index === undefined) {
      if (pendingFocus === key) pendingFocus = null;
      return;
    }
    scrollToIndex(index);
    if (!focusPending(box.current)) redraw((n) => n + 1);
  };
  const latestShow = useRef(show);
  latestShow.current = show;

  useEffect(() => {
    showRow = (key) => {
      latestShow.current(key);
    };
    if (pendingFocus !== null) latestShow.current(pendingFocus);
    return () => {
      showRow = null;
    };
  }, []);

  // A selection made anywhere (a click, a problem row, the palette) scrolls to its row.
  useLayoutEffect(() => {
    scrollToIndex(selIndex);
  }, [sel]);

  // After every render: focus the row that was waiting to be drawn.
  useLayoutEffect(() => {
    focusPending(box.current);
  });

  const move = (index: number) => {
    const to = rows[Math.min(rows.length - 1, Math.max(0, index))];
    if (!to) return;
    selection.value = to.ref;
    pendingFocus = to.key;
    show(to.key);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const current = rows[selIndex];
    const page = Math.max(1, Math.floor(viewport / TREE_ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
        if (selIndex < rows.length - 1) move(selIndex + 1);
        break;
      case 'ArrowUp':
        if (selIndex > 0) move(selIndex - 1);
        break;
      case 'PageDown':
        move(selIndex < 0 ? 0 : selIndex + page);
        break;
      case 'PageUp':
        move(selIndex < 0 ? 0 : selIndex - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowRight':
        if (current?.expandable) {
          if (current.open) move(selIndex + 1);
          else toggleCollapsed(current.ref);
        }
        break;
      case 'ArrowLeft':
        if (current?.expandable && current.open) toggleCollapsed(current.ref);
        else if (current && current.parent >= 0) move(current.parent);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const states = health.value;
  const draw = (index: number): ComponentChildren => {
    const row = rows[index];
    if (!row) return null;
    return (
      <Row
        key={row.key}
        row={row}
        index={index}
        selected={index === selIndex}
        tabbable={index === focusIndex}
        state={stateOf(states, row.ref)}
      />
    );
  };
  const drawn: ComponentChildren[] = [];
  // The row in the Tab order stays drawn, in its place in the order, when out of view.
  if (focusIndex >= 0 && focusIndex < first) drawn.push(draw(focusIndex));
  for (let i = first; i < end; i++) drawn.push(draw(i));
  if (focusIndex >= end) drawn.push(draw(focusIndex));

  return (
    <div
      ref={box}
      class="tree"
      role="tree"
      aria-label={t('tree.label')}
      data-count={rows.length}
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        setScrollTop(e.currentTarget.scrollTop);
      }}
    >
      <div class="tree-spacer" role="none" style={{ height: `${String(height)}px` }}>
        {drawn}
      </div>
    </div>
  );
}
