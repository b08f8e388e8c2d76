import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { MailSender, OutgoingMail } from '../ports';

const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });

/** MailSender on SES's v1 SendEmail: a text and an HTML body, no attachments. */
export class SesMailSender implements MailSender {
  constructor(private readonly ses: SESClient) {}

  async send(mail: OutgoingMail): Promise<string> {
    const out = await this.ses.send(
      new SendEmailCommand({
        Source: mail.from,
        Destination: { ToAddresses: [mail.to] },
        Message: {
          Subject: utf8(mail.subject),
          Body: { Text: utf8(mail.text), Html: utf8(mail.html) },
        },
      }),
    );
    if (!out.MessageId) throw new Error('SES accepted the reply but returned no message id');
    return out.MessageId;
  }
}
