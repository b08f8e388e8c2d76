import { createHash } from 'node:crypto';

/**
 * The id of a header's saved mapping (its names from `mappingHeader`): a digest of them, so a lookup is
 * one GetItem. Node only; the console lists mappings and finds its header's by the names.
 */
export const mappingIdOf = (names: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 32);
