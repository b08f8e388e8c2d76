/** The CSV core both pipeline stages share: byte scanner, header sniffing, encodings and sizes. */

export type { EncodingSniff } from './encoding';
export {
  countLineBreaks,
  firstInvalidUtf8,
  NOT_CSV_REASONS,
  nulByteReason,
  SNIFF_BYTES,
  sniffEncoding,
  TextEncoding,
  Utf8Transcoder,
  Utf8Validator,
} from './encoding';
export type { HeaderSniff } from './header';
export { parseHeaderCells, sniffHeader, utf8BomLength } from './header';
export type { RecordCallback, ScanEnd, ScannedRecord, ScannerOptions } from './scanner';
export { isBlankCell, MAX_KEY_BYTES, RecordScanner } from './scanner';
export { formatSize } from './sizes';
