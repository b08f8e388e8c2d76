import { useState } from 'react';
import { Icon } from './icons';

/**
 * Paging through a cursor-paged list: the cursors of the pages seen so far (the last one is the page on
 * screen), so going back needs no cursor of its own.
 */
export const useCursorPages = () => {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors.at(-1),
    page: cursors.length,
    back: () => setCursors((current) => current.slice(0, -1)),
    forward: (next: string | null | undefined) => {
      if (next) setCursors((current) => [...current, next]);
    },
  };
};

export interface PagerProps {
  pages: ReturnType<typeof useCursorPages>;
  /** The cursor of the page after this one; none on the last page. */
  nextCursor: string | null | undefined;
  labels: { back: string; forward: string };
  /** Names the pager for screen readers ("Pages of imports"). */
  label: string;
}

/** Back and forward buttons around the page number. */
export const Pager = ({ pages, nextCursor, labels, label }: PagerProps) => (
  <nav className="pager" aria-label={label}>
    <button type="button" className="button button-small" disabled={pages.page === 1} onClick={pages.back}>
      <Icon name="chevronLeft" />
      {labels.back}
    </button>
    <span className="muted" aria-live="polite">
      Page {pages.page}
    </span>
    <button
      type="button"
      className="button button-small"
      disabled={!nextCursor}
      onClick={() => pages.forward(nextCursor)}
    >
      {labels.forward}
      <Icon name="chevronRight" />
    </button>
  </nav>
);
