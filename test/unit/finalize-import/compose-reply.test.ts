import { composeReply, type ReplyFile } from '../../../lambdas/finalize-import/compose-reply';

/** What a sender controls (subject, file names, cell values in error messages) cannot shape the reply. */

const aFile = (overrides: Partial<ReplyFile> = {}): ReplyFile => ({
  fileName: 'users.csv',
  status: 'COMPLETED',
  totalRows: 1,
  successCount: 1,
  errorCount: 0,
  firstErrors: [],
  links: {},
  ...overrides,
});

describe('composeReply with hostile input', () => {
  it.each([
    ['CRLF', 'Hello\r\nBcc: victim@example.net'],
    ['a bare LF', 'Hello\nBcc: victim@example.net'],
    ['a bare CR', 'Hello\rBcc: victim@example.net'],
    ['NUL and tab', 'Hello\u0000\tBcc: victim@example.net'],
    ['Unicode line separators', 'Hello\u2028\u2029Bcc: victim@example.net'],
  ])('keeps the Subject header on one line when the subject carries %s', (_case, subject) => {
    // Act
    const reply = composeReply({ subject, receivedAt: '2026-11-22T09:30:00.000Z', files: [aFile()] });

    // Assess
    expect(reply.subject).toBe('Import results: Hello Bcc: victim@example.net');
    expect(reply.text.split('\n')[0]).toContain('"Hello Bcc: victim@example.net"');
  });

  it('names a subject made only of line breaks "(no subject)"', () => {
    // Act
    const reply = composeReply({
      subject: '\r\n\r\n',
      receivedAt: '2026-11-22T09:30:00.000Z',
      files: [aFile()],
    });

    // Assess
    expect(reply.subject).toBe('Import results: (no subject)');
  });

  it('escapes markup in every sender-controlled part of the HTML, quotes in links included', () => {
    // Act
    const reply = composeReply({
      subject: '<img src=x onerror=alert(1)>',
      receivedAt: '2026-11-22T09:30:00.000Z',
      files: [
        aFile({
          fileName: '"><svg onload=alert(2)>.csv',
          status: 'PARTIAL_SUCCESS',
          statusReason: '<b>reason</b>',
          totalRows: 2,
          successCount: 1,
          errorCount: 1,
          firstErrors: [
            { rowNumber: 2, errorType: 'INVALID_VALUE', message: '<i>bad</i>', column: '<u>role</u>' },
          ],
          links: { exceptions: 'http://s3.local/a?x="><script>alert(3)</script>' },
        }),
      ],
      linksExpireAt: '2026-11-22T09:45:00.000Z',
    });

    // Assess
    const markup = reply.html.match(/<\/?[a-z0-9]+/gi) ?? [];
    expect(new Set(markup)).toEqual(
      new Set([
        '<html',
        '<body',
        '<p',
        '</p',
        '<h3',
        '</h3',
        '<ul',
        '<li',
        '</li',
        '</ul',
        '<a',
        '</a',
        '</body',
        '</html',
      ]),
    );
    expect(reply.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(reply.html).toContain('&#34;&#62;&#60;svg onload=alert(2)&#62;.csv');
    expect(reply.html).toContain(
      'href="http://s3.local/a?x=&#34;&#62;&#60;script&#62;alert(3)&#60;/script&#62;"',
    );
  });
});
