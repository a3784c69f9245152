// The fleet as a flat ARIA tree (rows carry aria-level), so arrow keys can walk the
// visible rows in order: Up/Down move, Right expands, Left collapses or goes to the parent.
import { Component } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { CheckState, Endpoint } from '../bindings';
import {
  endpointLabel,
  refKey,
  visibleRows,
  type CustomerNode,
  type EntityRef,
  type SiteNode,
} from '../fleet/tree';
import { t } from '../i18n';
import { collapsed, selection, toggleCollapsed } from '../state';
import type { Rollup } from '../status/rollup';
import { health } from '../status/store';
import { StatusBadge } from './StatusBadge';

function rowElement(container: HTMLElement | null, ref: EntityRef): HTMLElement | undefined {
  const key = refKey(ref);
  return [...(container?.querySelectorAll<HTMLElement>('[role=treeitem]') ?? [])].find(
    (el) => el.dataset.key === key,
  );
}

/** Moves keyboard focus to an entity's row, once it is on screen. */
export function focusRow(ref: EntityRef): void {
  rowElement(document.querySelector<HTMLElement>('[role=tree]'), ref)?.focus();
}

type RowProps = {
  entity: EntityRef;
  level: 1 | 2 | 3;
  label: string;
  detail: string;
  badge?: string | undefined;
  /** Health, when anything of it was checked. */
  state?: CheckState | null | undefined;
  expandable: boolean;
  tabbable: boolean;
};

function RowView({ entity, level, label, detail, badge, state, expandable, tabbable }: RowProps) {
  const key = refKey(entity);
  const selected = selection.value !== null && refKey(selection.value) === key;
  const open = !collapsed.value.has(key);
  return (
    <div
      role="treeitem"
      class={`row level-${level}${selected ? ' selected' : ''}`}
      aria-level={level}
      aria-selected={selected ? 'true' : 'false'}
      aria-expanded={expandable ? open : undefined}
      data-key={key}
      data-testid={`tree-${entity.kind}-${entity.id}`}
      tabIndex={tabbable ? 0 : -1}
      onClick={() => {
        selection.value = entity;
      }}
    >
      {expandable ? (
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
      {badge ? <span class="tag demo">{badge}</span> : null}
      <span class="row-detail">{detail}</span>
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
    a.entity.kind === b.entity.kind &&
    a.entity.id === b.entity.id &&
    a.level === b.level &&
    a.label === b.label &&
    a.detail === b.detail &&
    a.badge === b.badge &&
    a.state === b.state &&
    a.expandable === b.expandable &&
    a.tabbable === b.tabbable
  );
}

/**
 * A row re-renders only when its own props change: a status batch changes a few states
 * out of 10,000 rows. The signals a row reads (selection, collapsed, language) still
 * re-render it by themselves.
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return !sameRow(this.props, next);
  }

  override render() {
    return <RowView {...this.props} />;
  }
}

function endpointRow(e: Endpoint, tabbable: (ref: EntityRef) => boolean, states: Rollup) {
  const ref: EntityRef = { kind: 'endpoint', id: e.id };
  return (
    <Row
      key={refKey(ref)}
      entity={ref}
      level={3}
      label={endpointLabel(e)}
      detail={e.host}
      state={states.endpoints.get(e.id)?.state}
      expandable={false}
      tabbable={tabbable(ref)}
    />
  );
}

function siteRows(node: SiteNode, tabbable: (ref: EntityRef) => boolean, states: Rollup) {
  const ref: EntityRef = { kind: 'site', id: node.site.id };
  const open = !collapsed.value.has(refKey(ref));
  return [
    <Row
      key={refKey(ref)}
      entity={ref}
      level={2}
      label={node.site.name}
      detail={String(node.endpoints.length)}
      state={states.sites.get(node.site.id)?.state}
      expandable={node.endpoints.length > 0}
      tabbable={tabbable(ref)}
    />,
    ...(open ? node.endpoints.map((e) => endpointRow(e, tabbable, states)) : []),
  ];
}

export function Tree({ tree }: { tree: CustomerNode[] }) {
  const container = useRef<HTMLDivElement>(null);
  const rows = visibleRows(tree, collapsed.value);
  const states = health.value;
  const sel = selection.value;
  const selKey = sel ? refKey(sel) : null;
  // One row is in the Tab order: the selected one, or the first.
  const focusKey = rows.some((r) => refKey(r) === selKey) ? selKey : rows[0] ? refKey(rows[0]) : null;
  const tabbable = (ref: EntityRef) => refKey(ref) === focusKey;

  useEffect(() => {
    if (!sel) return;
    const el = rowElement(container.current, sel);
    // jsdom has no scrollIntoView.
    if (el && 'scrollIntoView' in el) el.scrollIntoView({ block: 'nearest' });
  }, [selKey]);

  const move = (to: EntityRef | undefined) => {
    if (!to) return;
    selection.value = to;
    rowElement(container.current, to)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const index = rows.findIndex((r) => refKey(r) === selKey);
    const current = rows[index];
    switch (e.key) {
      case 'ArrowDown':
        move(rows[index + 1] ?? (index < 0 ? rows[0] : undefined));
        break;
      case 'ArrowUp':
        move(index > 0 ? rows[index - 1] : undefined);
        break;
      case 'Home':
        move(rows[0]);
        break;
      case 'End':
        move(rows[rows.length - 1]);
        break;
      case 'ArrowRight':
        if (current && current.kind !== 'endpoint' && collapsed.value.has(refKey(current)))
          toggleCollapsed(current);
        break;
      case 'ArrowLeft':
        if (
          current &&
          current.kind !== 'endpoint' &&
          rows[index + 1]?.kind === (current.kind === 'customer' ? 'site' : 'endpoint')
        ) {
          toggleCollapsed(current);
        } else if (current) {
          const parentKind = current.kind === 'endpoint' ? 'site' : 'customer';
          move(
            rows
              .slice(0, index)
              .reverse()
              .find((r) => r.kind === parentKind),
          );
        }
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div ref={container} class="tree" role="tree" aria-label={t('tree.label')} onKeyDown={onKeyDown}>
      {tree.map((node) => {
        const ref: EntityRef = { kind: 'customer', id: node.customer.id };
        const open = !collapsed.value.has(refKey(ref));
        return [
          <Row
            key={refKey(ref)}
            entity={ref}
            level={1}
            label={node.customer.name}
            detail={String(node.sites.reduce((n, s) => n + s.endpoints.length, 0))}
            badge={node.customer.demo ? t('tree.demo') : undefined}
            state={states.customers.get(node.customer.id)?.state}
            expandable={node.sites.length > 0}
            tabbable={tabbable(ref)}
          />,
          ...(open ? node.sites.flatMap((s) => siteRows(s, tabbable, states)) : []),
        ];
      })}
    </div>
  );
}
