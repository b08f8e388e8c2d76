/** S3 key layout of DESIGN §2 in one place: every stage builds and parses keys through these. */

export const UPLOADS_PREFIX = 'uploads/';
export const INBOUND_PREFIX = 'inbound/';
export const REPORTS_PREFIX = 'reports/';
export const WORK_PREFIX = 'work/';

/**
 * Makes a file name safe as the last segment of an S3 key: no path, no control characters,
 * no characters that need escaping in URLs. The original name stays on the task for display.
 */
export const safeFileName = (fileName: string): string => {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-120);
  return cleaned.length > 0 ? cleaned : 'upload.csv';
};

export const uploadKey = (importId: string, fileName: string): string =>
  `${UPLOADS_PREFIX}${importId}/${safeFileName(fileName)}`;

/** `uploads/{importId}/{file}` → importId, or undefined for any other key. */
export const importIdFromUploadKey = (key: string): string | undefined => {
  const match = /^uploads\/([A-Za-z0-9-]{8,64})\/[^/]+$/.exec(key);
  return match?.[1];
};

export const utf8DataKey = (importId: string): string => `${WORK_PREFIX}${importId}/utf8.csv`;
export const manifestKey = (importId: string): string => `${WORK_PREFIX}${importId}/manifest.json`;

export const chunkPartKey = (importId: string, kind: 'exceptions' | 'results', chunkIndex: number): string =>
  `${WORK_PREFIX}${importId}/parts/${kind}-${String(chunkIndex).padStart(6, '0')}.csv`;

export const exceptionsKey = (importId: string): string => `${REPORTS_PREFIX}${importId}/exceptions.csv`;
export const resultsKey = (importId: string): string => `${REPORTS_PREFIX}${importId}/results.csv`;
