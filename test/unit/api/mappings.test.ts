import { mappingHeader } from '../../../lambdas/shared/mapping/saved';
import { mappingIdOf } from '../../../lambdas/shared/mapping/saved-id';
import { createHarness, expectError } from './support';

/** DESIGN §9 through the API core: reading options at create, matching, saved mappings. */

const create = (extra: Record<string, unknown>) => ({
  templateId: 'users',
  fileName: 'crm.csv',
  fileSize: 100,
  ...extra,
});

describe('POST /api/imports with a mapping, formats and a default country', () => {
  it('keeps them on the task it creates', async () => {
    const harness = await createHarness();
    const mapping = { email: { source: ' Email Address ' }, role: { value: 'member' } };

    const result = await harness.call('POST', '/api/imports', {
      body: create({ mapping, formats: { start_date: 'DMY' }, defaultCountry: 'GB' }),
    });

    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      import: {
        mapping: { email: { source: 'Email Address' }, role: { value: 'member' } },
        formats: { start_date: 'DMY' },
        defaultCountry: 'GB',
      },
    });
  });

  it.each([
    [
      { mapping: { nickname: { source: 'Nick' } } },
      'mapping.nickname: "nickname" is not a column of the Users template',
    ],
    [
      { mapping: { first_name: { source: 'Name' }, last_name: { source: 'name' } } },
      'mapping: first_name and last_name both read the header "Name": a header feeds one column',
    ],
    [
      { mapping: { role: { value: 'boss' } } },
      'mapping.role.value: "boss": Role must be one of admin, manager, member',
    ],
    [{ mapping: { email: { value: 'a@x.io' } } }, "mapping.email.value: email is the Users template's key"],
    [
      { mapping: { first_name: { source: '' } } },
      'mapping.first_name.source: must name a header of the file',
    ],
    [{ mapping: { first_name: { header: 'x' } } }, 'mapping.first_name: must be {"source"'],
    [
      { mapping: { start_date: { value: '31.02.2024' } }, formats: { start_date: 'DMY' } },
      'mapping.start_date.value: "31.02.2024": Start date 31.02.2024 is not a real date written day first',
    ],
    [
      { formats: { start_date: 'DD/MM' } },
      'formats.start_date: "DD/MM" is not a date order: expected YMD, MDY, DMY',
    ],
    [
      { formats: { email: 'DMY' } },
      'formats.email: "email" is not a date column of the Users template (date columns: start_date)',
    ],
    [{ defaultCountry: 'XX' }, 'defaultCountry: "XX" is not a country code with a phone numbering plan'],
    [{ defaultCountry: 'us' }, 'defaultCountry: "us" is not a country code'],
    [
      { mapping: { phone: { value: '555-01' } }, defaultCountry: 'US' },
      'mapping.phone.value: "555-01": Phone 555-01 is not a valid phone number in US',
    ],
  ])('refuses %j with a 400 that names the field and the value', async (extra, message) => {
    const harness = await createHarness();

    const result = await harness.call('POST', '/api/imports', { body: create(extra) });

    expectError(result, 400, 'BAD_REQUEST', message);
  });
});

describe('POST /api/templates/{templateId}/match', () => {
  it('suggests a mapping from a header and sample rows', async () => {
    const harness = await createHarness();

    const result = await harness.call('POST', '/api/templates/users/match', {
      body: {
        header: ['firstName', 'lastName', 'Email Address [Required]', 'Start'],
        rows: [['Ada', 'L', 'a@x.io', '13/01/2024']],
      },
    });

    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      columns: [
        { name: 'email', source: 'Email Address [Required]', confidence: 0.97, saved: false },
        { name: 'first_name', source: 'firstName', confidence: 1, saved: false },
        { name: 'last_name', source: 'lastName', confidence: 1, saved: false },
        { name: 'role', source: null, confidence: 0, saved: false },
        { name: 'phone', source: null, confidence: 0, saved: false },
        { name: 'department', source: null, confidence: 0, saved: false },
        { name: 'start_date', source: 'Start', confidence: 0.97, saved: false },
      ],
      ignored: [],
      missingRequired: ['role'],
      formats: { start_date: { format: 'DMY', candidates: ['DMY'] } },
    });
  });

  it('puts the saved mapping of the header first and returns it', async () => {
    const harness = await createHarness();
    const header = ['Mail', 'Vorname', 'Nachname'];
    const names = mappingHeader(header);
    const saved = {
      mappingId: mappingIdOf(names),
      templateId: 'users',
      header: names,
      mapping: {
        email: { source: 'Mail' },
        first_name: { source: 'Vorname' },
        last_name: { source: 'Nachname' },
        role: { value: 'member' },
      },
      updatedAt: '2026-12-01T00:00:00.000Z',
      updatedBy: 'admin',
    };
    await harness.mappings.put(saved);

    const result = await harness.call('POST', '/api/templates/users/match', { body: { header } });

    expect(result.body).toMatchObject({
      columns: expect.arrayContaining([{ name: 'email', source: 'Mail', confidence: 1, saved: true }]),
      missingRequired: ['role'],
      savedMapping: saved,
    });
  });

  it.each([
    [{ header: [] }, 'header: must have at least one cell'],
    [{ header: ['a'], rows: Array.from({ length: 101 }, () => ['x']) }, 'rows: must have at most 100 rows'],
    [{ header: 'email' }, "header: must be the list of the file's header cells"],
  ])('refuses %j', async (body, message) => {
    const harness = await createHarness();

    expectError(
      await harness.call('POST', '/api/templates/users/match', { body }),
      400,
      'BAD_REQUEST',
      message,
    );
  });

  it('answers 404 for an unknown template', async () => {
    const harness = await createHarness();

    expectError(
      await harness.call('POST', '/api/templates/nope/match', { body: { header: ['a'] } }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('saved mappings', () => {
  it('lists and deletes them, 404 for one that is not there', async () => {
    const harness = await createHarness();
    const names = ['mail'];
    const mappingId = mappingIdOf(names);
    await harness.mappings.put({
      mappingId,
      templateId: 'users',
      header: names,
      mapping: { email: { source: 'Mail' } },
      updatedAt: '2026-12-01T00:00:00.000Z',
      updatedBy: 'admin',
    });

    const listed = await harness.call('GET', '/api/templates/users/mappings');
    const deleted = await harness.call('DELETE', `/api/templates/users/mappings/${mappingId}`);
    const again = await harness.call('DELETE', `/api/templates/users/mappings/${mappingId}`);
    const after = await harness.call('GET', '/api/templates/users/mappings');

    expect(listed.body).toEqual({ items: [expect.objectContaining({ mappingId, header: ['mail'] })] });
    expect(deleted.status).toBe(204);
    expectError(again, 404, 'NOT_FOUND', mappingId);
    expect(after.body).toEqual({ items: [] });
  });
});
