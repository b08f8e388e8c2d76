import { isPhoneCountry, nationalToE164 } from '../../../../lambdas/shared/mapping/phones';

describe('nationalToE164', () => {
  it.each([
    ['(415) 555-0100', 'US', '+14155550100'],
    ['415.555.0100', 'US', '+14155550100'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['030 1234567', 'DE', '+49301234567'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['0044 20 7946 0958', 'GB', '+442079460958'],
  ])('%s in %s is %s', (value, country, e164) => {
    expect(nationalToE164('Phone', value, country)).toEqual({ ok: true, e164 });
  });

  it('names the country when a number is not valid there', () => {
    expect(nationalToE164('Phone', '555-0100', 'US')).toEqual({
      ok: false,
      reason:
        'Phone 555-0100 is not a valid phone number in US (numbers without a + country code are read as US numbers)',
    });
    expect(nationalToE164('Phone', 'ask reception', 'US').ok).toBe(false);
  });
});

describe('isPhoneCountry', () => {
  it('takes ISO 3166-1 alpha-2 codes with a numbering plan', () => {
    expect(['US', 'GB', 'DE', 'FR', 'IN'].every(isPhoneCountry)).toBe(true);
    expect(['us', 'XX', 'USA', ''].some(isPhoneCountry)).toBe(false);
  });
});
