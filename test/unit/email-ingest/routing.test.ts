import { type EmailIngestDeps, IngestOutcome, routeEmail } from '../../../lambdas/email-ingest/email-ingest';
import type { AccountId } from '../../../lambdas/shared/account';
import { AccountObjectStore } from '../../../lambdas/shared/account-scope';
import type { FinalizeMessage } from '../../../lambdas/shared/model';
import { inboundKey } from '../../../lambdas/shared/object-keys';
import {
  FakeAddressRegistry,
  FakeEmailMessageStore,
  FakeObjectStore,
  FakeQueue,
  FakeSettingsStore,
  FakeTaskStore,
} from '../../helpers/fakes';
import { buildMail, receiptFor, USERS_CSV } from './mail';

/** Two accounts on one bucket and registry, each with its own stores, as the handler wires them. */
const twoAccounts = async () => {
  const bucket = new FakeObjectStore();
  const addresses = new FakeAddressRegistry();
  const stores = new Map<AccountId, EmailIngestDeps & { tasks: FakeTaskStore }>();
  for (const [account, address, senders] of [
    ['acme', 'users@acme.imports.example.com', ['*@example.com']],
    ['globex', 'users@globex.imports.example.com', ['bob@globex.example']],
  ] as const) {
    const settings = new FakeSettingsStore();
    settings.email = {
      enabled: true,
      addresses: [{ address, templateId: 'users' }],
      allowedSenders: [...senders],
      replyToSender: true,
    };
    await addresses.claim(address, account as AccountId);
    stores.set(account as AccountId, {
      objects: new AccountObjectStore(bucket, account as AccountId),
      tasks: new FakeTaskStore(),
      settings,
      messages: new FakeEmailMessageStore(),
      replies: new FakeQueue<FinalizeMessage>(),
      limits: { MAX_EMAIL_BYTES: 40 * 1024 * 1024, MAX_EMAIL_PARTS: 200, MAX_EMAIL_DEPTH: 10 },
      logger: { info: jest.fn(), warn: jest.fn() },
      now: () => new Date('2026-11-22T09:30:05.000Z'),
    });
  }
  const forAccount = (account: AccountId) => {
    const deps = stores.get(account);
    if (!deps) throw new Error(`no account ${account}`);
    return deps;
  };
  const receive = async (messageId: string, to: string) => {
    const raw = await buildMail({ to, attachments: [{ filename: 'users.csv', content: USERS_CSV }] });
    await bucket.put(inboundKey(messageId), raw, 'message/rfc822');
  };
  return { bucket, addresses, forAccount, receive, deps: { bucket, addresses, forAccount } };
};

describe('routing received mail to accounts', () => {
  it('imports mail into the account holding the recipient address, from a copy under that account', async () => {
    // Prepare
    const world = await twoAccounts();
    await world.receive('msg-1', 'users@acme.imports.example.com');

    // Act
    const routed = await routeEmail(
      world.deps,
      receiptFor('msg-1', { recipients: ['users@acme.imports.example.com'] }),
    );

    // Assess
    expect(routed).toEqual([
      { account: 'acme', result: expect.objectContaining({ outcome: IngestOutcome.TASKS }) },
    ]);
    expect(world.forAccount('acme' as AccountId).tasks.tasks.size).toBe(1);
    expect(world.forAccount('globex' as AccountId).tasks.tasks.size).toBe(0);
    const keys = [...world.bucket.objects.keys()];
    expect(keys).toContain('inbound/acme/msg-1');
    expect(keys.filter((key) => key.startsWith('uploads/'))).toEqual([
      expect.stringMatching(/^uploads\/acme\/[^/]+\/users\.csv$/),
    ]);
  });

  it('checks each account’s own allowed senders, and removes the copy of mail that made nothing', async () => {
    // Prepare
    const world = await twoAccounts();
    await world.receive('msg-2', 'users@globex.imports.example.com');

    // Act: alice@example.com is allowed by acme, not by globex
    const routed = await routeEmail(
      world.deps,
      receiptFor('msg-2', { recipients: ['users@globex.imports.example.com'] }),
    );

    // Assess
    expect(routed).toEqual([
      { account: 'globex', result: expect.objectContaining({ outcome: IngestOutcome.STRANGER }) },
    ]);
    expect(world.forAccount('globex' as AccountId).tasks.tasks.size).toBe(0);
    expect(world.bucket.objects.has('inbound/globex/msg-2')).toBe(false);
  });

  it('makes nothing of mail to addresses no account holds', async () => {
    // Prepare
    const world = await twoAccounts();
    await world.receive('msg-3', 'nobody@imports.example.com');

    // Act
    const routed = await routeEmail(
      world.deps,
      receiptFor('msg-3', { recipients: ['nobody@imports.example.com'] }),
    );

    // Assess
    expect(routed).toEqual([{ result: expect.objectContaining({ outcome: IngestOutcome.UNROUTED }) }]);
    expect([...world.bucket.objects.keys()]).toEqual([inboundKey('msg-3')]);
  });

  it('imports one message to two accounts’ addresses into each, against each one’s settings, once however often it is delivered', async () => {
    // Prepare
    const world = await twoAccounts();
    const recipients = ['users@acme.imports.example.com', 'Users@Globex.Imports.Example.com'];
    await world.receive('msg-4', recipients.join(', '));
    const acme = world.forAccount('acme' as AccountId);

    // Act
    const first = await routeEmail(world.deps, receiptFor('msg-4', { recipients }));
    const again = await routeEmail(world.deps, receiptFor('msg-4', { recipients }));

    // Assess: acme allows the sender, globex does not
    for (const routed of [first, again]) {
      expect(routed).toEqual([
        { account: 'acme', result: expect.objectContaining({ outcome: IngestOutcome.TASKS }) },
        { account: 'globex', result: expect.objectContaining({ outcome: IngestOutcome.STRANGER }) },
      ]);
    }
    expect(acme.tasks.tasks.size).toBe(1);
    expect((await acme.messages.get('msg-4'))?.recipient).toBe('users@acme.imports.example.com');
  });

  it('waits for a message SES has not stored yet (a retry), rather than dropping it', async () => {
    // Prepare
    const world = await twoAccounts();

    // Act
    const routing = routeEmail(
      world.deps,
      receiptFor('msg-5', { recipients: ['users@acme.imports.example.com'] }),
    );

    // Assess
    await expect(routing).rejects.toThrow('inbound/msg-5 is not stored (yet)');
  });
});
