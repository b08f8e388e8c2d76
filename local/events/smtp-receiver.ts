import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Upload } from '@aws-sdk/lib-storage';
import type { SESEvent } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { inboundKey } from '../../lambdas/shared/object-keys';
import type { FunctionInvoker } from '../functions/invoker';
import type { ReceiptJournal } from '../journals/receipt-journal';
import type { Log } from '../log';
import { LOOPBACK } from '../servers/servers';
import { LOCAL_VERDICTS_HEADER, sesReceiptEvent, verdictsFromHeader } from './ses-receipt-event';

/**
 * The local stand-in for SES receiving: an SMTP server that, like the receipt rule, stores each message
 * under `inbound/{messageId}`, then invokes email ingest asynchronously with the SES-shaped event. It
 * refuses messages over SES's size limit (SMTP 552). No TLS and no authentication: it listens on
 * loopback only.
 */

export interface SmtpReceiverOptions {
  port: number;
  s3: S3Client;
  bucket: string;
  region: string;
  /** SES receives messages up to 40 MB. */
  maxBytes: number;
  journal: ReceiptJournal;
  ingest: FunctionInvoker;
  /** Where an event goes once ingest has failed on it every time. */
  failures: FailureDestination;
  log: Log;
}

export interface RunningSmtpReceiver {
  port: number;
  close(): Promise<void>;
}

/** Lambda retries a failed asynchronous invocation twice; locally the pauses are seconds, not minutes. */
export const INVOKE_RETRY_DELAYS_MS = [2_000, 10_000] as const;
/** Parts of the streamed upload: the local S3 emulator refuses request bodies over 11 MiB. */
const PART_BYTES = 8 * 1024 * 1024;
const MAX_HEAD_BYTES = 256 * 1024;

/** SES message ids are 40-odd lower-case letters and digits; these have the same alphabet. */
const newMessageId = (): string => randomBytes(20).toString('hex');

class MessageTooBigError extends Error {
  constructor(limit: number) {
    super(`Error: message exceeds fixed maximum message size ${limit}`);
    this.name = 'MessageTooBigError';
  }
}

const smtpError = (message: string, responseCode: number): Error =>
  Object.assign(new Error(message), { responseCode });

/** Counts bytes (refusing past the limit) and keeps the header block for building the event. */
const meter = (maxBytes: number) => {
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let headDone = false;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new MessageTooBigError(maxBytes));
      if (!headDone) {
        head.push(chunk);
        headBytes += chunk.length;
        const seen = Buffer.concat(head).toString('latin1');
        headDone = /\r?\n\r?\n/.test(seen) || headBytes > MAX_HEAD_BYTES;
      }
      done(null, chunk);
    },
  });
  return {
    transform,
    size: () => size,
    headerBlock: () => {
      const seen = Buffer.concat(head).toString('latin1');
      const end = seen.search(/\r?\n\r?\n/);
      return Buffer.concat(head).subarray(0, end < 0 ? Math.min(headBytes, MAX_HEAD_BYTES) : end + 2);
    },
  };
};

/**
 * What Lambda sends an on-failure destination once an asynchronous invocation has failed every attempt
 * (the AWS documentation's invocation record): the event itself, and the error of the last attempt.
 */
export interface AsyncFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: SESEvent;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string };
}

/** Email ingest's on-failure destination. */
export interface FailureDestination {
  send(record: AsyncFailureRecord): Promise<void>;
}

/** The local failure queue, provisioned beside the pipeline queues (`EMAIL_INGEST_FAILURES`). */
export const sqsFailureDestination = (sqs: SQSClient, queueUrl: string): FailureDestination => ({
  send: async (record) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
  },
});

const invokedFunction = (event: SESEvent): string => {
  const action = event.Records[0]?.ses.receipt.action;
  return action && 'functionArn' in action ? action.functionArn : '';
};

const failureRecord = (event: SESEvent, error: unknown, invokeCount: number): AsyncFailureRecord => ({
  version: '1.0',
  timestamp: new Date().toISOString(),
  requestContext: {
    requestId: randomUUID(),
    functionArn: invokedFunction(event),
    condition: 'RetriesExhausted',
    approximateInvokeCount: invokeCount,
  },
  requestPayload: event,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload:
    error instanceof Error
      ? { errorType: error.name, errorMessage: error.message }
      : { errorType: 'Error', errorMessage: String(error) },
});

/**
 * Invokes ingest with Lambda's asynchronous retries. After the last one the event goes to the failure
 * queue, as Lambda's on-failure destination does on AWS. The journal entry is cleared once the event is
 * handled or queued; if the queue cannot take it either, the entry stays and the next start replays it.
 */
export const deliverReceipt = async (
  options: Pick<SmtpReceiverOptions, 'journal' | 'ingest' | 'failures' | 'log'>,
  entry: { id: string; event: SESEvent },
  retryDelaysMs: readonly number[] = INVOKE_RETRY_DELAYS_MS,
): Promise<boolean> => {
  const messageId = entry.event.Records[0]?.ses.mail.messageId;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await options.ingest.invoke(entry.event);
      await options.journal.clear(entry.id);
      return true;
    } catch (error) {
      const delay = retryDelaysMs[attempt];
      if (delay === undefined) {
        options.log.error(
          'email ingest failed on every attempt; the event goes to the failure queue (EmailIngestFailuresAlarm on AWS) and the message stays in inbound/',
          error,
          { messageId, attempts: attempt + 1 },
        );
        try {
          await options.failures.send(failureRecord(entry.event, error, attempt + 1));
        } catch (sendError) {
          options.log.error(
            'the failure queue did not take the event; the next start replays it',
            sendError,
            {
              messageId,
            },
          );
          return false;
        }
        await options.journal.clear(entry.id);
        return false;
      }
      options.log.warn('email ingest failed; retrying', { messageId, attempt: attempt + 1, inMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
};

const receive = async (
  options: SmtpReceiverOptions,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<{ id: string; event: SESEvent }> => {
  const messageId = newMessageId();
  const objectKey = inboundKey(messageId);
  const metered = meter(options.maxBytes);
  stream.pipe(metered.transform);
  try {
    await new Upload({
      client: options.s3,
      params: {
        Bucket: options.bucket,
        Key: objectKey,
        Body: metered.transform,
        ContentType: 'message/rfc822',
      },
      partSize: PART_BYTES,
      queueSize: 2,
    }).done();
  } catch (error) {
    // smtp-server waits for the whole DATA: read the rest before answering.
    stream.unpipe(metered.transform);
    stream.resume();
    if (!stream.readableEnded) await once(stream, 'end');
    if (error instanceof MessageTooBigError) throw smtpError(error.message, 552);
    options.log.error('could not store a received message', error, { messageId });
    throw smtpError('Error: the message could not be stored; try again later', 451);
  }
  if (stream.sizeExceeded) {
    await options.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: objectKey }));
    throw smtpError(new MessageTooBigError(options.maxBytes).message, 552);
  }
  const parsed = await simpleParser(metered.headerBlock());
  const verdictHeader = parsed.headers.get(LOCAL_VERDICTS_HEADER);
  const event = sesReceiptEvent({
    messageId,
    receivedAt: new Date(),
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
    headers: parsed.headers,
    headerLines: parsed.headerLines,
    verdicts: verdictsFromHeader(typeof verdictHeader === 'string' ? verdictHeader : undefined),
    bucket: options.bucket,
    objectKey,
    functionArn: `arn:aws:lambda:${options.region}:000000000000:function:email-ingest`,
  });
  // Journaled before the sender hears 250, so a crash after that answer loses no message.
  const entry = await options.journal.record({ event });
  options.log.info('message received', {
    messageId,
    bytes: metered.size(),
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '<>',
    to: event.Records[0]?.ses.receipt.recipients.join(','),
  });
  return entry;
};

/** Starts the SMTP receiver; each accepted message is delivered to email ingest in the background. */
export const startSmtpReceiver = async (options: SmtpReceiverOptions): Promise<RunningSmtpReceiver> => {
  const server = new SMTPServer({
    name: 'bulk-imports.localhost',
    banner: 'Bulk Imports local SES receiving',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      receive(options, stream, session).then(
        (entry) => {
          callback(null, `Ok: queued as ${entry.event.Records[0]?.ses.mail.messageId ?? ''}`);
          deliverReceipt(options, entry).catch((error: unknown) =>
            options.log.error('delivering a received message failed', error),
          );
        },
        (error: Error) => callback(error),
      );
    },
  });
  server.on('error', (error) => options.log.error('SMTP receiver error', error));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is in use: stop what uses it or choose another IMPORTS_SMTP_PORT`)
          : error,
      ),
    );
    server.listen(options.port, LOOPBACK, () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    // Deliveries still running are journaled: the next start replays whatever they do not finish.
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
