import { useRef, type KeyboardEvent } from 'react';

export interface TabDef<K extends string> { key: K; label: string; badge?: number }

/**
 * ARIA tabs: role=tab buttons whose accessible name is exactly the label (the count badge is hidden from
 * the name and announced through the panel instead); arrow keys move between tabs.
 */
export function Tabs<K extends string>({ tabs, selected, onSelect, idPrefix, label }: {
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  idPrefix: string;
  label: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = (index + delta + tabs.length) % tabs.length;
    refs.current[next]?.focus();
    onSelect(tabs[next]!.key);
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab, i) => (
        <button
          key={tab.key}
          ref={(el) => { refs.current[i] = el; }}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${tab.key}`}
          aria-selected={tab.key === selected}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={tab.key === selected ? 0 : -1}
          className="tabs__tab"
          onClick={() => onSelect(tab.key)}
          onKeyDown={(e) => onKeyDown(e, i)}
        >
          {tab.label}
          {tab.badge != null && <span className="tabs__badge" aria-hidden="true">{tab.badge}</span>}
        </button>
      ))}
    </div>
  );
}
