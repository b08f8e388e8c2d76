import {
  aligned,
  passingDkimDomains,
  sesReceiptEventSchema,
  toEmailReceipt,
} from '../../../lambdas/email-ingest/receipt';

/** What ingest trusts of SES's receipt event: the verdicts and SES's own Authentication-Results header. */

const recordWith = (headers: { name: string; value: string }[]) => {
  const event = sesReceiptEventSchema.parse({
    Records: [
      {
        eventSource: 'aws:ses',
        ses: {
          mail: { messageId: 'm1', timestamp: '2026-12-03T10:00:00.000Z', headers },
          receipt: {
            recipients: ['users@imports.example.com'],
            spamVerdict: { status: 'PASS' },
            virusVerdict: { status: 'PASS' },
            spfVerdict: { status: 'PASS' },
            dkimVerdict: { status: 'PASS' },
            dmarcVerdict: { status: 'GRAY' },
          },
        },
      },
    ],
  });
  const [record] = event.Records;
  if (!record) throw new Error('no record');
  return toEmailReceipt(record);
};

describe('SES receipt: sender authentication inputs', () => {
  it('reads the DMARC verdict and the Authentication-Results header SES put on top', () => {
    // Act
    const receipt = recordWith([
      { name: 'Authentication-Results', value: 'amazonses.com; dkim=pass header.i=@example.com' },
      { name: 'From', value: 'alice@example.com' },
    ]);

    // Assess
    expect(receipt.verdicts.dmarc).toBe('GRAY');
    expect(receipt.authenticationResults).toBe('amazonses.com; dkim=pass header.i=@example.com');
  });

  it('never reads an Authentication-Results header the sender wrote below the one SES put on top', () => {
    // Act
    const receipt = recordWith([
      { name: 'Return-Path', value: '<x@attacker.example>' },
      { name: 'Authentication-Results', value: 'amazonses.com; dkim=pass header.d=attacker.example' },
      { name: 'Received', value: 'from mx.attacker.example' },
      { name: 'Authentication-Results', value: 'amazonses.com; dkim=pass header.d=partner.example' },
    ]);

    // Assess
    expect(receipt.authenticationResults).toBe('amazonses.com; dkim=pass header.d=attacker.example');
  });

  it('ignores a topmost Authentication-Results of another service', () => {
    // Act
    const receipt = recordWith([
      { name: 'authentication-results', value: 'mx.attacker.example; dkim=pass header.d=partner.example' },
    ]);

    // Assess
    expect(receipt.authenticationResults).toBeUndefined();
  });

  it('lists the domains of passing DKIM results only, comments left out', () => {
    expect(
      passingDkimDomains(
        'amazonses.com (ses (v1)); spf=pass smtp.mailfrom=a@x.example; dkim=fail header.d=bad.example; ' +
          'dkim=pass (2048-bit key; unprotected) header.d=Good.Example header.s=k1; DKIM=PASS header.i=alice@sub.ok.example; dmarc=pass',
      ),
    ).toEqual(['good.example', 'sub.ok.example']);
    expect(passingDkimDomains(`amazonses.com; dkim=pass header.d=${'a'.repeat(5000)}.example`)).toEqual([]);
  });

  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'eu.example.com', true],
    ['mail.example.com', 'example.com', true],
    ['com', 'example.com', false],
    ['attacker.example', 'partner.example', false],
    ['example.com', 'badexample.com', false],
    ['', '', false],
  ])('aligns signing domain %s with From domain %s: %s', (signer, from, expected) => {
    expect(aligned(signer, from)).toBe(expected);
  });
});
