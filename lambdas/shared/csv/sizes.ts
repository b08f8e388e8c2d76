/**
 * Sizes as admins read them. Rounded up, so a file or row just over a limit never reads as equal to it
 * ("200.1 MB; the limit is 200 MB", not "200 MB; the limit is 200 MB"). MB means MiB, as DESIGN §6 counts
 * 200 MB as 209,715,200 bytes.
 */
const KB = 1024;
const MB = 1024 * 1024;

const roundUp = (value: number): string => {
  const tenths = Math.ceil(value * 10) / 10;
  return Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1);
};

/** `formatSize(241_172_480)` → "230 MB"; `formatSize(1536)` → "1.5 KB"; `formatSize(300)` → "300 bytes". */
export const formatSize = (bytes: number): string => {
  if (bytes >= MB) return `${roundUp(bytes / MB)} MB`;
  if (bytes >= KB) return `${roundUp(bytes / KB)} KB`;
  return `${bytes} bytes`;
};
