// Ctrl+K: type part of an id, name or host and jump to that customer, site or endpoint.
import { useState } from 'preact/hooks';
import { paletteItems, rankPalette, type PaletteItem } from '../palette/rank';
import {
  buildTree,
  filterTree,
  isFiltered,
  NO_FILTER,
  refKey,
  visibleRows,
  type EntityRef,
} from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import { filter, fleet, reveal, section } from '../state';
import { Dialog } from './Dialog';
import { focusRow } from './Tree';

const KIND_LABEL: Record<PaletteItem['kind'], MessageKey> = {
  customer: 'entity.customer',
  site: 'entity.site',
  endpoint: 'entity.endpoint',
};

/** Shows the item in the Fleet section; clears the filters only if they would hide it. */
export function jumpTo(ref: EntityRef): void {
  const current = fleet.value;
  if (current && isFiltered(filter.value)) {
    const shown = visibleRows(filterTree(buildTree(current), filter.value), new Set());
    if (!shown.some((r) => refKey(r) === refKey(ref))) filter.value = NO_FILTER;
  }
  section.value = 'fleet';
  reveal(ref);
}

export function Palette({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const items = fleet.value ? rankPalette(paletteItems(fleet.value), query) : [];
  const current = Math.min(active, Math.max(items.length - 1, 0));

  const choose = (item: PaletteItem | undefined) => {
    if (!item) return;
    const ref: EntityRef = { kind: item.kind, id: item.id };
    onClose();
    jumpTo(ref);
    // After the dialog has handed focus back, put it on the row the technician asked for.
    setTimeout(() => {
      focusRow(ref);
    }, 0);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // Enter that finishes a Hangul syllable in the IME is not a choice yet.
    if (e.isComposing) return;
    if (e.key === 'ArrowDown') setActive(Math.min(current + 1, items.length - 1));
    else if (e.key === 'ArrowUp') setActive(Math.max(current - 1, 0));
    else if (e.key === 'Enter') choose(items[current]);
    else return;
    e.preventDefault();
  };

  return (
    <Dialog testId="palette" title={t('palette.label')} onClose={onClose}>
      <input
        type="text"
        class="palette-input"
        data-testid="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-activedescendant={items[current] ? `palette-${String(current)}` : undefined}
        aria-label={t('palette.label')}
        placeholder={t('palette.placeholder')}
        value={query}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id="palette-list" class="palette-list" role="listbox" aria-label={t('palette.label')}>
        {items.length === 0 ? <li class="muted">{t('palette.empty')}</li> : null}
        {items.map((item, i) => (
          <li
            key={`${item.kind}:${item.id}`}
            id={`palette-${String(i)}`}
            role="option"
            aria-selected={i === current}
            class={i === current ? 'active' : undefined}
            data-testid={`palette-item-${item.id}`}
            data-kind={item.kind}
            onMouseMove={() => {
              if (i !== current) setActive(i);
            }}
            onClick={() => {
              choose(item);
            }}
          >
            <span class="kind">{t(KIND_LABEL[item.kind])}</span>
            <span class="palette-label">{item.label}</span>
            <span class="muted">{item.context}</span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
