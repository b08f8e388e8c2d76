import {
  type EmailSettingsDraft,
  fieldErrorsFromApiMessage,
  toDraft,
  toSettings,
  validateDraft,
} from '../src/settings/email-settings-form';

const TEMPLATES = ['users', 'departments'];

const draft = (overrides: Partial<EmailSettingsDraft> = {}): EmailSettingsDraft => ({
  enabled: true,
  addresses: [{ key: 'a', address: 'users@imports.example.com', templateId: 'users' }],
  allowedSenders: [{ key: 's', value: '*@example.com' }],
  replyToSender: true,
  ...overrides,
});

describe('validateDraft', () => {
  it('accepts addresses with known templates and senders as addresses or *@domain', () => {
    // Prepare
    const valid = draft({
      allowedSenders: [
        { key: '1', value: 'ops@example.com' },
        { key: '2', value: ' *@example.org ' },
      ],
    });

    // Act
    const errors = validateDraft(valid, TEMPLATES);

    // Assess
    expect(errors).toEqual({});
  });

  it('puts each problem on its own field', () => {
    // Prepare
    const invalid = draft({
      addresses: [
        { key: 'a', address: 'users-at-imports', templateId: 'users' },
        { key: 'b', address: 'Dup@imports.example.com', templateId: 'contacts' },
        { key: 'c', address: 'dup@imports.example.com', templateId: 'users' },
      ],
      allowedSenders: [
        { key: '1', value: 'example.com' },
        { key: '2', value: '' },
      ],
    });

    // Act
    const errors = validateDraft(invalid, TEMPLATES);

    // Assess
    expect(errors).toEqual({
      'addresses.0.address': 'Enter a valid email address, like users@imports.example.com.',
      'addresses.1.templateId': 'Choose the template this address imports with.',
      'addresses.2.address': 'This address is already listed (line 2).',
      'allowedSenders.0': 'Enter an email address, or *@domain for everyone at a domain.',
      'allowedSenders.1': 'Enter a sender, or remove this line.',
    });
  });

  it('needs an address and a sender to turn email import on, but not to keep it off', () => {
    // Prepare
    const bare = { addresses: [], allowedSenders: [] };

    // Act
    const on = validateDraft(draft({ ...bare, enabled: true }), TEMPLATES);
    const off = validateDraft(draft({ ...bare, enabled: false }), TEMPLATES);

    // Assess
    expect(Object.keys(on).sort()).toEqual(['addresses', 'allowedSenders']);
    expect(off).toEqual({});
  });
});

describe('fieldErrorsFromApiMessage', () => {
  it("maps the API's 400 message onto the fields it names", () => {
    // Act
    const errors = fieldErrorsFromApiMessage(
      'Invalid request body: addresses.0.address: must be an email address; allowedSenders.1: is not allowed; expected a JSON object',
    );

    // Assess
    expect(errors).toEqual({
      'addresses.0.address': 'Must be an email address',
      'allowedSenders.1': 'Is not allowed',
      form: 'expected a JSON object',
    });
  });
});

describe('toDraft and toSettings', () => {
  it('round-trip the settings and trim what was typed', () => {
    // Prepare
    const settings = {
      enabled: true,
      addresses: [{ address: 'users@imports.example.com', templateId: 'users' }],
      allowedSenders: ['*@example.com'],
      replyToSender: false,
    };
    const edited = toDraft(settings);
    edited.allowedSenders = [{ key: 'x', value: '  ops@example.com ' }];

    // Act
    const back = toSettings(edited);

    // Assess
    expect(toSettings(toDraft(settings))).toEqual(settings);
    expect(back.allowedSenders).toEqual(['ops@example.com']);
  });
});
