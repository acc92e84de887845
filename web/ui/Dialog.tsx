/**
 * A modal dialog on the native <dialog> with showModal(): the browser keeps focus inside it, makes
 * the rest of the page inert and closes it on Escape. On close, focus goes back to the control
 * that had it when the dialog opened (when that control is still there).
 */
import type { ComponentChildren } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

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

  useLayoutEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
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
      onClose={() => close.current()}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
