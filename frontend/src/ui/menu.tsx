import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';

export interface MenuItem {
  label: string;
  icon?: ReactNode;
  onSelect: () => void;
  /** Why the item cannot be used; the item stays focusable and announces itself as disabled. */
  disabledReason?: string;
}

/** Focuses the item at `index` of the menu, wrapping around at either end. */
const focusMenuItem = (menu: HTMLElement | null, index: number) => {
  const elements = menu?.querySelectorAll<HTMLElement>('[role="menuitem"]');
  if (!elements || elements.length === 0) return;
  const wrapped = ((index % elements.length) + elements.length) % elements.length;
  elements[wrapped]?.focus();
};

/**
 * A menu button (WAI-ARIA pattern): Enter/Space/ArrowDown opens it on the first item, arrows move,
 * Escape closes and returns focus to the button, a click outside closes it.
 */
export const MenuButton = ({
  label,
  buttonContent,
  buttonClassName = 'icon-button',
  items,
  header,
  align = 'right',
}: {
  /** Accessible name of the button. */
  label: string;
  buttonContent: ReactNode;
  buttonClassName?: string;
  items: MenuItem[];
  header?: ReactNode;
  align?: 'left' | 'right';
}) => {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const focusItem = (index: number) => focusMenuItem(menuRef.current, index);

  useEffect(() => {
    if (!open) return;
    focusMenuItem(menuRef.current, 0);
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const elements = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const current = elements.indexOf(document.activeElement as HTMLElement);
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        focusItem(current + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        focusItem(current - 1);
        break;
      case 'Home':
        event.preventDefault();
        focusItem(0);
        break;
      case 'End':
        event.preventDefault();
        focusItem(elements.length - 1);
        break;
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
    }
  };

  return (
    <div className="menu-anchor">
      <button
        ref={buttonRef}
        type="button"
        className={buttonClassName}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={(event) => {
          event.stopPropagation();
          setOpen((was) => !was);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {buttonContent}
      </button>
      {open ? (
        <div
          ref={menuRef}
          id={menuId}
          className={`menu menu-${align}`}
          role="menu"
          aria-label={label}
          tabIndex={-1}
          onKeyDown={onMenuKeyDown}
          onClick={(event) => event.stopPropagation()}
        >
          {header ? (
            <div className="menu-header" role="presentation">
              {header}
            </div>
          ) : null}
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              className="menu-item"
              aria-disabled={item.disabledReason ? true : undefined}
              title={item.disabledReason}
              tabIndex={-1}
              onClick={() => {
                if (item.disabledReason) return;
                close(true);
                item.onSelect();
              }}
            >
              {item.icon}
              <span className="menu-item-text">
                <span>{item.label}</span>
                {item.disabledReason ? <span className="menu-item-hint">{item.disabledReason}</span> : null}
              </span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
};
