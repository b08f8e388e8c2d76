import { Readable } from 'node:stream';
import { checkStructure, MessageRejectedError, readHeaders } from '../../lambdas/email-ingest/mime';
import { readChunkRows } from '../../lambdas/shared/chunks/read-rows';
import {
  RecordScanner,
  sniffEncoding,
  sniffHeader,
  TextEncoding,
  Utf8Transcoder,
  utf8BomLength,
} from '../../lambdas/shared/csv';
import type { PlannedChunk } from '../../lambdas/shared/model';
import type { ObjectStore } from '../../lambdas/shared/ports';

/**
 * What the fuzzer runs. Each target takes arbitrary bytes and must either finish or refuse them the way
 * the product refuses bad input (a reason for the admin); any other exception, a hang or runaway memory is
 * a finding. A target also checks the invariants its callers rely on, so a wrong answer is a finding too.
 */

export interface FuzzTarget {
  name: string;
  /** Byte strings worth splicing in: the syntax the code under test branches on. */
  dictionary: readonly string[];
  /** Scripts whose coverage guides the search (matched against V8's script URLs). */
  covers: RegExp;
  run(input: Buffer): Promise<void>;
}

export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

const check = (holds: boolean, what: string): void => {
  if (!holds) throw new InvariantError(what);
};

/** Just enough of an object store to hand one in-memory file to the chunk reader. */
const memoryObjects = (data: Buffer): ObjectStore =>
  ({
    getRange: async (_key: string, start: number, end: number) => data.subarray(start, end),
  }) as unknown as ObjectStore;

/**
 * The CSV reader as validate-file and process-chunk use it: encoding sniff, transcoding, delimiter sniff,
 * the record scanner fed in pieces split where the input's last byte says, then the chunk reader over
 * every record after the header. Records must tile the input exactly, whatever the split.
 */
const csv: FuzzTarget = {
  name: 'csv',
  dictionary: [
    '"',
    '""',
    '","',
    '"\r\n',
    '\r\n',
    '\n',
    '\r',
    ',',
    ';',
    '\t',
    ',,,',
    '\ufeff',
    'sep=;\r\n',
    ' "a"b',
  ],
  covers: /\/lambdas\/(shared\/csv|process-chunk\/read-rows)|\/node_modules\/(csv-parse|iconv-lite)\//,
  run: async (input) => {
    const sniff = sniffEncoding(input.subarray(0, 4096));
    if (!sniff.ok) return;
    let data: Buffer = input;
    if (sniff.encoding !== TextEncoding.UTF8) {
      const transcoder = new Utf8Transcoder(sniff.encoding);
      data = Buffer.concat([transcoder.write(input), transcoder.end()]);
    }
    const bom = utf8BomLength(data);
    const { delimiter } = sniffHeader(data.subarray(bom, bom + 64 * 1024));
    const records: { start: number; end: number; blank: boolean; line: number }[] = [];
    const scanner = new RecordScanner(
      (record) =>
        records.push({ start: record.start, end: record.end, blank: record.blank, line: record.line }),
      { delimiter, keyField: (input.at(-1) ?? 0) % 4, startOffset: bom },
    );
    const split = bom + (((input.at(-1) ?? 0) * 7919) % Math.max(1, data.length - bom + 1));
    scanner.push(data.subarray(bom, split));
    scanner.push(data.subarray(split));
    const end = scanner.finish();
    let expected = bom;
    for (const record of records) {
      check(record.start === expected && record.end > record.start, `records do not tile at ${expected}`);
      expected = record.end;
    }
    if (end.unterminatedQuoteLine !== undefined || records.length < 2) return;
    check(expected === data.length, `records end at ${expected}, the input at ${data.length}`);
    const body = records.slice(1);
    const message: PlannedChunk = {
      kind: 'chunk',
      importId: 'fuzz',
      templateId: 'users',
      chunkIndex: 0,
      chunkCount: 1,
      dataKey: 'data.csv',
      start: body[0]?.start ?? 0,
      end: data.length,
      firstRowNumber: 2,
      delimiter,
      header: [],
      columnMap: [],
      duplicates: [],
      oversized: [],
    };
    const rows = await readChunkRows(memoryObjects(data), message, 64 * 1024);
    const dataRows = body.filter((record) => !record.blank).length;
    check(rows.length === dataRows, `the chunk reader returned ${rows.length} rows for ${dataRows} records`);
  },
};

/**
 * The MIME pre-check email ingest runs before any attachment is read: the header read and the structure
 * walk (part count, nesting, base64 checks). Refusing a message is a MessageRejectedError with a reason.
 */
const mime: FuzzTarget = {
  name: 'mime',
  dictionary: [
    '\r\n',
    '\r\n\r\n',
    '--b\r\n',
    '--b--\r\n',
    'Content-Type: multipart/mixed; boundary="b"\r\n',
    'Content-Type: message/rfc822\r\n',
    'Content-Type: text/csv; name="a.csv"\r\n',
    'Content-Transfer-Encoding: base64\r\n',
    'Content-Transfer-Encoding: quoted-printable\r\n',
    "Content-Disposition: attachment; filename*=UTF-8''a%20b.csv\r\n",
    'From: a@example.com\r\n',
    '=?UTF-8?B?YQ==?=',
    '=\r\n',
    'QUJD',
    '====',
  ],
  covers:
    /\/lambdas\/email-ingest\/(mime|base64-check)|\/node_modules\/(mailsplit|libmime|libbase64|libqp)\//,
  run: async (input) => {
    try {
      await readHeaders(Readable.from([input]));
      const structure = await checkStructure(Readable.from([input]), { maxParts: 200, maxDepth: 8 });
      check(structure.parts <= 200 && structure.depth <= 8, `limits passed: ${JSON.stringify(structure)}`);
    } catch (error) {
      if (error instanceof MessageRejectedError) {
        check(error.message.length > 0 && error.message.length < 2000, 'a refusal without a usable reason');
        return;
      }
      throw error;
    }
  },
};

export const FUZZ_TARGETS: Readonly<Record<string, FuzzTarget>> = { csv, mime };
