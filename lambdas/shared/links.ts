/**
 * How long presigned URLs live, and what a download is called: one place for the API, the email reply
 * and the watchdog (which waits out an upload's URLs before it ends a PENDING task).
 */

/** Upload-part URLs: long enough for a 200 MB file on a slow line; the browser asks for a new import after. */
export const PART_URL_TTL_SECONDS = 60 * 60;

/** DESIGN §5: download links (console and email reply) expire within 15 minutes. */
export const LINK_TTL_SECONDS = 15 * 60;

/** A report's name when downloaded: the import's file name without `.csv`, then the report (`users-exceptions.csv`). */
export const reportDownloadName = (fileName: string, kind: 'exceptions' | 'results'): string =>
  `${fileName.replace(/\.csv$/i, '') || 'import'}-${kind}.csv`;
