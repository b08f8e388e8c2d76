/** The CSV core both pipeline stages share: byte scanner, header sniffing, encodings and sizes. */

export { Utf8Transcoder, Utf8Validator } from './encoding';
export type { FileHead, FileHeadRead } from './file-head';
export { HEAD_BYTES, readFileHead } from './file-head';
export type { HeaderSniff } from './header';
export { parseHeaderCells, sniffHeader, utf8BomLength } from './header';
export type { RecordCallback, ScanEnd, ScannedRecord, ScannerOptions } from './scanner';
export { isBlankCell, MAX_KEY_BYTES, RecordScanner } from './scanner';
export { formatSize } from './sizes';
export type { EncodingSniff } from './sniff';
export {
  countLineBreaks,
  firstInvalidUtf8,
  NOT_CSV_REASONS,
  nulByteReason,
  SNIFF_BYTES,
  sniffEncoding,
  TextEncoding,
} from './sniff';
