import { MAX_FILE_BYTES } from '../../../lambdas/shared/model';
import { formatBytes } from '../format';

/** DESIGN §6: 209,715,200 bytes, the backend's own limit. */
export { MAX_FILE_BYTES };

export type FileProblem =
  | { kind: 'not-csv'; message: string }
  | { kind: 'empty'; message: string }
  | { kind: 'too-large'; message: string };

/**
 * Why a picked file cannot be imported, checked before anything is uploaded, or undefined when it can.
 * The API applies the same rules (name ends in `.csv`, 1 byte to 200 MB); this says so at once.
 */
export const checkFile = (file: { name: string; size: number }): FileProblem | undefined => {
  if (!/\.csv$/i.test(file.name)) {
    return {
      kind: 'not-csv',
      message: `${file.name} is not a CSV file. Save it as CSV (a name ending in .csv) and pick it again.`,
    };
  }
  if (file.size === 0) {
    return { kind: 'empty', message: `${file.name} is empty (0 bytes): there is nothing to import.` };
  }
  if (file.size > MAX_FILE_BYTES) {
    return {
      kind: 'too-large',
      message: `${file.name} is ${formatBytes(file.size)}; the limit is 200 MB. Split it into smaller files.`,
    };
  }
  return undefined;
};
