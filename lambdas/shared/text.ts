/**
 * Text helpers for values that come from users (file names, paths, headers), written as plain scans: an
 * anchored-at-the-end regular expression such as `/[._]+$/` retries from every position and takes
 * quadratic time on a long run that does not reach the end.
 */

/** `text` without any of `characters` at its end (and at its start too, unless `start` is false). */
export const trimCharacters = (text: string, characters: string, { start = true } = {}): string => {
  let from = 0;
  let to = text.length;
  if (start) while (from < to && characters.includes(text.charAt(from))) from += 1;
  while (to > from && characters.includes(text.charAt(to - 1))) to -= 1;
  return text.slice(from, to);
};

/**
 * `text` cut to at most `max` UTF-16 units: its start, "…", and its last 16 units (a file name keeps its
 * extension), never splitting a surrogate pair. What a sender writes (file names, subjects, addresses) is
 * bounded only by the 256 KB part-header limit; an item that stores it must stay under DynamoDB's 400 KB.
 */
export const capText = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const isHigh = (at: number) => {
    const code = text.charCodeAt(at);
    return code >= 0xd800 && code <= 0xdbff;
  };
  const tail = Math.min(16, Math.floor(max / 4));
  let headEnd = max - 1 - tail;
  if (headEnd > 0 && isHigh(headEnd - 1)) headEnd -= 1;
  let tailStart = text.length - tail;
  if (tailStart > 0 && isHigh(tailStart - 1)) tailStart += 1;
  return `${text.slice(0, headEnd)}…${text.slice(tailStart)}`;
};
