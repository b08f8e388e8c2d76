import { formatSize } from './csv/sizes';

/**
 * What SQS carries, checked before sending: the adapter refuses a body it would refuse, and validate-file
 * refuses a file whose plan it could not send while the task can still end with a reason.
 */

/** SQS carries at most 256 KiB of bodies per message and per batch call. */
export const SQS_MAX_BYTES = 256 * 1024;

/** Characters SQS refuses in a body: anything but tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and astral. */
const SQS_REFUSED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Why SQS would refuse a message body, or undefined when it carries it. */
export const sqsBodyProblem = (body: string): string | undefined => {
  const bytes = Buffer.byteLength(body);
  if (bytes > SQS_MAX_BYTES)
    return `is ${formatSize(bytes)}; SQS carries at most ${formatSize(SQS_MAX_BYTES)}`;
  const refused = SQS_REFUSED.exec(body);
  if (refused) {
    const code = (refused[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return `has a character SQS refuses (U+${code} at character ${refused.index + 1})`;
  }
  return undefined;
};
