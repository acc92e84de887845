/**
 * A message's "More actions" button and its menu (menu button pattern of the ARIA practices):
 * Enter, Space or ↓ on the button opens the menu with the first item focused, ↑/↓ (and Home/End)
 * move between items, Enter or Space chooses, Escape or Tab closes it and the focus goes back to
 * the button. Escape goes through useEscape, so it closes the menu before anything opened earlier.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { useLaterI18n } from '../i18n/later';
import { useEscape } from './keyboard/escape';

export interface MenuItem {
  id: string;
  label: string;
  onChoose: () => void;
}

/** The button and, while open, the menu of `items`; `buttonRef` lets others focus the button. */
export function MessageMenu({
  items,
  buttonRef,
}: {
  items: MenuItem[];
  buttonRef: RefObject<HTMLButtonElement>;
}) {
  const { t } = useLaterI18n();
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = useId();
  // Which item to focus when the menu has just opened: the first, or the last (↑ on the button).
  const initial = useRef<'first' | 'last'>('first');

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };
  useEscape(open, () => close(true));

  useLayoutEffect(() => {
    if (!open) return;
    const all = menuItems(menu);
    (initial.current === 'last' ? all[all.length - 1] : all[0])?.focus();
  }, [open]);

  // A press anywhere else closes the menu (the focus stays where that press put it).
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  function onMenuKey(e: KeyboardEvent) {
    const all = menuItems(menu);
    const at = all.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (e.key === 'ArrowDown') next = (at + 1) % all.length;
    else if (e.key === 'ArrowUp') next = (at - 1 + all.length) % all.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = all.length - 1;
    else if (e.key === 'Tab') {
      e.preventDefault();
      close(true);
      return;
    }
    if (next >= 0) {
      e.preventDefault();
      all[next]?.focus();
    }
  }

  return (
    <span class="msg-actions">
      <button
        type="button"
        ref={buttonRef}
        class="icon-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title={t.moreActions}
        onClick={() => {
          initial.current = 'first';
          setOpen(!open);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            initial.current = e.key === 'ArrowUp' ? 'last' : 'first';
            setOpen(true);
          }
        }}
      >
        <span aria-hidden="true">⋯</span>
        <span class="sr-only">{t.moreActions}</span>
      </button>
      {open && (
        <div role="menu" id={menuId} ref={menu} class="menu" aria-label={t.moreActions} onKeyDown={onMenuKey}>
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                setOpen(false);
                item.onChoose();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </span>
  );
}

function menuItems(menu: RefObject<HTMLDivElement>): HTMLElement[] {
  return [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
}
