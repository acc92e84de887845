/**
 * A modal dialog on the native <dialog> with showModal(): the browser keeps focus inside it, makes
 * the rest of the page inert and closes it on Escape; Tab cycles inside it (the browser alone would
 * let it leave for the address bar). On close, focus goes back to the control
 * that had it when the dialog opened (when that control is still there).
 */
import type { ComponentChildren } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab past the last control comes back to the first, and Shift+Tab the other way round. */
function keepTabInside(e: KeyboardEvent): void {
  if (e.key !== 'Tab' || e.altKey || e.ctrlKey || e.metaKey) return;
  const dialog = e.currentTarget as HTMLDialogElement;
  const controls = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  const edge = e.shiftKey ? first : last;
  if (document.activeElement === edge || !dialog.contains(document.activeElement)) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  }
}

/** A modal dialog named by its heading `title`; `onClose` when closed (Escape or a button). */
export function Dialog({
  title,
  onClose,
  children,
  class: className,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  class?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  // The `close` event comes a moment after closing: by then this dialog may be gone.
  const mounted = useRef(true);

  useLayoutEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    mounted.current = true;
    dialog.showModal();
    return () => {
      mounted.current = false;
      const hadFocus = dialog.contains(document.activeElement) || document.activeElement === document.body;
      if (dialog.open) dialog.close();
      if (hadFocus && opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      class={className ? `dialog ${className}` : 'dialog'}
      aria-labelledby={titleId}
      onClose={() => mounted.current && close.current()}
      onKeyDown={keepTabInside}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
