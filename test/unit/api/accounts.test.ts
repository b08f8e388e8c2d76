import { aTask } from '../../helpers/factories';
import { accessToken, createHarness, expectError } from './support';

/**
 * The API core's side of DESIGN §11: the caller's account comes from the token and every route works in
 * that account's stores alone. (The isolation of the real stores is proven over the local stack in
 * test/integration/accounts.test.ts.)
 */

const emailSettings = (address: string) => ({
  enabled: true,
  addresses: [{ address, templateId: 'users' }],
  allowedSenders: ['*@example.com'],
  replyToSender: true,
});

describe('accounts in the API', () => {
  it('refuses a token that names no account, or an account id that is not safe, with 401', async () => {
    // Prepare
    const harness = await createHarness();
    const tokens = await Promise.all(
      [undefined, '', 'Acme', 'acme/other', 'a#b', '../default', 'x'.repeat(65), 7, ['acme']].map((account) =>
        accessToken(harness.signer, { claims: { account } }),
      ),
    );

    // Act
    const results = await Promise.all(tokens.map((token) => harness.call('GET', '/api/imports', { token })));

    // Assess
    const [none, ...unsafe] = results;
    if (!none) throw new Error('no result');
    expectError(none, 401, 'UNAUTHORIZED', 'names no account');
    for (const result of unsafe) {
      expectError(result, 401, 'UNAUTHORIZED', 'not valid');
    }
  });

  it("serves another account's import id as a 404 and lists only the caller's own imports", async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({ importId: '00000000-0000-4000-8000-000000000301' });
    await harness.tasks.create(task);
    const acme = await accessToken(harness.signer, { claims: { account: 'acme' } });

    // Act
    const ownRead = await harness.call('GET', `/api/imports/${task.importId}`);
    const otherRead = await harness.call('GET', `/api/imports/${task.importId}`, { token: acme });
    const otherLink = await harness.call('GET', `/api/imports/${task.importId}/links/original`, {
      token: acme,
    });
    const otherList = await harness.call('GET', '/api/imports', { token: acme });

    // Assess
    expect(ownRead.status).toBe(200);
    expectError(otherRead, 404, 'NOT_FOUND');
    expectError(otherLink, 404, 'NOT_FOUND');
    expect(otherList.body).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a cursor of one account in another, for the same list', async () => {
    // Prepare
    const harness = await createHarness();
    for (const index of [1, 2, 3]) {
      const importId = `00000000-0000-4000-8000-00000000040${index}`;
      await harness.tasks.create(aTask({ importId, createdAt: `2026-11-2${index}T10:00:00.000Z` }));
      await harness
        .storesOf('acme')
        .tasks.create(aTask({ importId, createdAt: `2026-11-2${index}T10:00:00.000Z` }));
    }
    const acme = await accessToken(harness.signer, { claims: { account: 'acme' } });
    const first = await harness.call('GET', '/api/imports', { query: { limit: '1' } });
    const cursor = (first.body as { nextCursor: string }).nextCursor;

    // Act
    const sameAccount = await harness.call('GET', '/api/imports', { query: { limit: '1', cursor } });
    const otherAccount = await harness.call('GET', '/api/imports', {
      query: { limit: '1', cursor },
      token: acme,
    });

    // Assess
    expect(sameAccount.status).toBe(200);
    expectError(otherAccount, 400, 'BAD_REQUEST', 'Invalid cursor');
  });

  it('gives each import address to one account: another gets 409 ADDRESS_TAKEN and nothing is saved', async () => {
    // Prepare
    const harness = await createHarness();
    const acme = await accessToken(harness.signer, { claims: { account: 'acme' } });
    const saved = await harness.call('PUT', '/api/settings/email', {
      body: emailSettings('users@imports.example.com'),
    });

    // Act
    const taken = await harness.call('PUT', '/api/settings/email', {
      body: emailSettings('Users@Imports.Example.com'),
      token: acme,
    });
    const acmeSettings = await harness.call('GET', '/api/settings/email', { token: acme });

    // Assess
    expect(saved.status).toBe(200);
    expectError(taken, 409, 'ADDRESS_TAKEN', 'Users@Imports.Example.com', 'another account');
    expect(acmeSettings.body).toMatchObject({ enabled: false, addresses: [] });
    expect(await harness.addresses.owners(['users@imports.example.com'])).toEqual(
      new Map([['users@imports.example.com', 'default']]),
    );
  });

  it('gives an address back when its account stops listing it, so another account can take it', async () => {
    // Prepare
    const harness = await createHarness();
    const acme = await accessToken(harness.signer, { claims: { account: 'acme' } });
    await harness.call('PUT', '/api/settings/email', { body: emailSettings('users@imports.example.com') });

    // Act
    const moved = await harness.call('PUT', '/api/settings/email', {
      body: emailSettings('staff@imports.example.com'),
    });
    const taken = await harness.call('PUT', '/api/settings/email', {
      body: emailSettings('users@imports.example.com'),
      token: acme,
    });

    // Assess
    expect(moved.status).toBe(200);
    expect(taken.status).toBe(200);
    expect(
      await harness.addresses.owners(['users@imports.example.com', 'staff@imports.example.com']),
    ).toEqual(
      new Map([
        ['users@imports.example.com', 'acme'],
        ['staff@imports.example.com', 'default'],
      ]),
    );
  });

  it('keeps the addresses a refused save claimed from staying claimed', async () => {
    // Prepare
    const harness = await createHarness();
    const acme = await accessToken(harness.signer, { claims: { account: 'acme' } });
    await harness.call('PUT', '/api/settings/email', { body: emailSettings('users@imports.example.com') });
    const body = {
      ...emailSettings('new@imports.example.com'),
      addresses: [
        { address: 'new@imports.example.com', templateId: 'users' },
        { address: 'users@imports.example.com', templateId: 'users' },
      ],
    };

    // Act
    const refused = await harness.call('PUT', '/api/settings/email', { body, token: acme });

    // Assess
    expectError(refused, 409, 'ADDRESS_TAKEN', 'users@imports.example.com');
    expect(await harness.addresses.owners(['new@imports.example.com'])).toEqual(new Map());
  });
});
