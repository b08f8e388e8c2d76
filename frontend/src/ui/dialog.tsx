import { type ReactNode, useEffect, useId, useRef } from 'react';
import { Icon } from './icons';

/**
 * A modal on the native `<dialog>`: the browser traps focus, Escape closes it and the page behind is
 * inert. Mount it to open it; `onClose` runs when the user dismisses it (unless `canClose` says no).
 */
export const Dialog = ({
  title,
  subtitle,
  onClose,
  canClose = true,
  size = 'medium',
  footer,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  onClose: () => void;
  /** False while closing would lose work (an upload in flight). */
  canClose?: boolean;
  size?: 'medium' | 'large';
  footer?: ReactNode;
  children: ReactNode;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef({ onClose, canClose });
  closeRef.current = { onClose, canClose };

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const requestClose = () => {
    if (closeRef.current.canClose) closeRef.current.onClose();
  };

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      onMouseDown={(event) => {
        // A press on the backdrop (or the dialog's own padding) must not start a text selection; it
        // happens when a double click's second press lands where a button was before the content moved.
        if (event.target === event.currentTarget) event.preventDefault();
      }}
      onCancel={(event) => {
        // Escape: we decide, so the element never closes behind React's back.
        event.preventDefault();
        requestClose();
      }}
    >
      <header className="dialog-header">
        <div>
          <h2 id={titleId}>{title}</h2>
          {subtitle ? <p className="dialog-subtitle">{subtitle}</p> : null}
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label="Close"
          title={canClose ? 'Close' : 'Wait for the uploads to finish'}
          disabled={!canClose}
          onClick={requestClose}
        >
          <Icon name="close" />
        </button>
      </header>
      <div className="dialog-body">{children}</div>
      {footer ? <footer className="dialog-footer">{footer}</footer> : null}
    </dialog>
  );
};
