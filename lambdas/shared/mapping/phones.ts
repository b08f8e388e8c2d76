import { PhoneNumberFormat, PhoneNumberUtil } from 'google-libphonenumber';

/**
 * National phone numbers (DESIGN §9): with a default country, a number written without its `+` country
 * code is read in that country's numbering plan by Google's libphonenumber (its metadata is kept up to
 * date by Google; numbering plans change too often for rules of our own) and stored in E.164. A number
 * that starts with `+` is left to the template's E.164 rule, as without a default country.
 */

const phones = PhoneNumberUtil.getInstance();
const REGIONS: ReadonlySet<string> = new Set(phones.getSupportedRegions());

/** Whether `country` is an ISO 3166-1 alpha-2 code libphonenumber has a numbering plan for (`US`, `DE`). */
export const isPhoneCountry = (country: string): boolean => REGIONS.has(country);

export type NationalPhone = { ok: true; e164: string } | { ok: false; reason: string };

/** Whether a value is written as a national number (no `+`), so the default country applies to it. */
export const isNationalNumber = (value: string): boolean => !value.trimStart().startsWith('+');

/**
 * `(415) 555-0100` in `US` → `+14155550100`. A value that is not a valid number of that country gets a
 * reason that names the country, for the row error.
 */
export const nationalToE164 = (label: string, value: string, country: string): NationalPhone => {
  try {
    const number = phones.parse(value, country);
    if (phones.isValidNumber(number))
      return { ok: true, e164: phones.format(number, PhoneNumberFormat.E164) };
  } catch {
    // libphonenumber throws for text that is not a phone number at all; the reason below says so.
  }
  return {
    ok: false,
    reason: `${label} ${value} is not a valid phone number in ${country} (numbers without a + country code are read as ${country} numbers)`,
  };
};
