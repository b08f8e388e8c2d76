import { createHarness, expectError } from './support';

/** `GET/PUT /api/settings/email` through the API core: the DESIGN §6 shape and its rules. */

const VALID = {
  enabled: true,
  addresses: [
    { address: 'users@imports.example.com', templateId: 'users' },
    { address: 'departments@imports.example.com', templateId: 'departments' },
  ],
  allowedSenders: ['alice@example.com', '*@partner.example'],
  replyToSender: false,
};

describe('GET /api/settings/email', () => {
  it('answers the defaults, email import off, before anything was saved', async () => {
    // Prepare
    const harness = await createHarness();

    // Act
    const result = await harness.call('GET', '/api/settings/email');

    // Assess
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ enabled: false, addresses: [], allowedSenders: [], replyToSender: true });
  });

  it('is for administrators only', async () => {
    // Prepare
    const harness = await createHarness();

    // Act
    const viewer = await harness.call('GET', '/api/settings/email', { token: harness.viewerToken });
    const anonymous = await harness.call('PUT', '/api/settings/email', { token: null, body: VALID });

    // Assess
    expectError(viewer, 403, 'FORBIDDEN');
    expectError(anonymous, 401, 'UNAUTHORIZED');
    expect(harness.settings.email).toBeUndefined();
  });
});

describe('PUT /api/settings/email', () => {
  it('stores the settings and answers them; GET then returns them', async () => {
    // Prepare
    const harness = await createHarness();

    // Act
    const saved = await harness.call('PUT', '/api/settings/email', { body: VALID });
    const read = await harness.call('GET', '/api/settings/email');

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual(VALID);
    expect(read.body).toEqual(VALID);
    expect(harness.settings.email).toEqual(VALID);
  });

  it('trims values and drops properties that are not part of the shape', async () => {
    // Prepare
    const harness = await createHarness();

    // Act
    const saved = await harness.call('PUT', '/api/settings/email', {
      body: {
        ...VALID,
        addresses: [{ address: '  users@imports.example.com ', templateId: 'users', extra: 1 }],
        allowedSenders: [' *@example.com '],
        domain: 'ignored',
      },
    });

    // Assess
    expect(saved.body).toEqual({
      ...VALID,
      addresses: [{ address: 'users@imports.example.com', templateId: 'users' }],
      allowedSenders: ['*@example.com'],
    });
  });

  it('lets email import be turned off with nothing configured', async () => {
    // Prepare
    const harness = await createHarness();
    const off = { enabled: false, addresses: [], allowedSenders: [], replyToSender: true };

    // Act
    const saved = await harness.call('PUT', '/api/settings/email', { body: off });

    // Assess
    expect(saved.status).toBe(200);
    expect(harness.settings.email).toEqual(off);
  });

  it.each([
    [
      'an address listed twice (in any case)',
      {
        addresses: [...VALID.addresses, { address: 'USERS@imports.example.com', templateId: 'departments' }],
      },
      'addresses.2.address: is already listed (address 1)',
    ],
    [
      'an unknown template',
      { addresses: [{ address: 'users@imports.example.com', templateId: 'contacts' }] },
      'addresses.0.templateId: is not a known template (known: users, departments)',
    ],
    [
      'an address that is not one',
      { addresses: [{ address: 'users-at-imports', templateId: 'users' }] },
      'addresses.0.address: must be an email address',
    ],
    [
      'a sender that is neither an address nor *@domain',
      { allowedSenders: ['example.com'] },
      'allowedSenders.0: must be an email address (alice@example.com) or *@domain (*@example.com)',
    ],
    ['a wildcard that is not a domain', { allowedSenders: ['*@*.example.com'] }, 'allowedSenders.0:'],
    ['a partial wildcard', { allowedSenders: ['a*@example.com'] }, 'allowedSenders.0:'],
    [
      'a sender listed twice',
      { allowedSenders: ['alice@example.com', 'Alice@Example.com'] },
      'allowedSenders.1: is already listed',
    ],
    ['import turned on without an address', { addresses: [] }, 'addresses: must list at least one address'],
    ['import turned on without a sender', { allowedSenders: [] }, 'allowedSenders: must list at least one'],
    ['a flag that is not a boolean', { replyToSender: 'yes' }, 'replyToSender: must be true or false'],
    ['a missing field', { enabled: undefined }, 'enabled: is required'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_label, change, message) => {
    // Prepare
    const harness = await createHarness();

    // Act
    const result = await harness.call('PUT', '/api/settings/email', { body: { ...VALID, ...change } });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', 'Invalid request body:', message);
    expect(harness.settings.email).toBeUndefined();
  });

  it('refuses a body that is not a JSON object', async () => {
    // Prepare
    const harness = await createHarness();

    // Act
    const result = await harness.call('PUT', '/api/settings/email', { body: '[1,2]' });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', 'expected a JSON object');
  });
});
