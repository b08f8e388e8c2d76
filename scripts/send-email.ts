/**
 * Sends an email with CSV attachments to the local stack's SMTP receiver, as any mail client would:
 *
 *   npm run send-email -- --attach users.csv [--attach more.csv] [--to users@imports.localhost]
 *        [--from alice@example.com] [--subject "New users"] [--port 2525] [--verdicts "dmarc=FAIL"]
 *
 * The receiver plays SES: the message becomes import tasks if email import is on, the recipient is an
 * import address and the sender is allowed (PUT /api/settings/email). `--verdicts` sets the local-only
 * `X-Local-SES-Verdicts` header, to see what a failed spam, virus, SPF, DKIM or DMARC check does.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { readArgs } from './args';

const { values } = readArgs(
  {
    options: {
      attach: { type: 'string', multiple: true, default: [] },
      to: { type: 'string', default: 'users@imports.localhost' },
      from: { type: 'string', default: 'alice@example.com' },
      subject: { type: 'string' },
      text: { type: 'string', default: 'Please import the attached file(s).' },
      port: { type: 'string', default: process.env.IMPORTS_SMTP_PORT ?? '2525' },
      verdicts: { type: 'string' },
    },
  },
  'npm run send-email -- --attach FILE [--to ADDRESS] [--from ADDRESS] [--subject S] [--text T] [--port N] [--verdicts V]',
);

const options = z
  .object({
    attach: z.array(z.string().min(1)),
    to: z.email(),
    from: z.email(),
    subject: z.string().optional(),
    text: z.string(),
    port: z.coerce.number().int().min(1).max(65535),
    verdicts: z.string().optional(),
  })
  .parse(values);

const main = async (): Promise<void> => {
  const attachments = await Promise.all(
    options.attach.map(async (path) => ({ filename: basename(path), content: await readFile(path) })),
  );
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: options.port,
    secure: false,
    ignoreTLS: true,
  });
  const info = await transport.sendMail({
    from: options.from,
    to: options.to,
    subject: options.subject ?? (attachments.map((file) => file.filename).join(', ') || 'No attachment'),
    text: options.text,
    attachments,
    ...(options.verdicts ? { headers: { 'X-Local-SES-Verdicts': options.verdicts } } : {}),
  });
  process.stdout.write(`${info.response}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
