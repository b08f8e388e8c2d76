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
