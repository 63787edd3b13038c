// The default ("min") metadata only checks lengths and cannot tell mobiles from other numbers.
import { parsePhoneNumberFromString, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

export type PhoneRegion = 'CN' | 'HK' | 'TW' | 'MO';

export type PhoneCheck =
  | { ok: true; e164: string; region: PhoneRegion; display: string }
  | { ok: false; reason: 'empty' | 'invalid' | 'unsupportedRegion' };

// Tried in this order for a number without a country code; an 8-digit 6xxx xxxx is valid in both HK and MO, and HK wins.
const REGIONS: readonly PhoneRegion[] = ['CN', 'HK', 'TW', 'MO'];

// Toll-free, shared-cost (400) and premium numbers belong to companies, not to the person complaining.
const ACCEPTED_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

// Digits with the separators people type; anything else (letters, "ext", a second number) is not a phone number.
const PHONE_SHAPE = /^\+?[\d\s\-().]*\d[\d\s\-().]*$/;
const DASHES = /[\u2010-\u2015\u2212\uFE63]/g;
const TRAILING_PUNCTUATION = /[\s.,;!。、]+$/;

const HIDDEN_DIGITS = 4;

export function checkPhone(text: string): PhoneCheck {
  const input = normalise(text);
  if (input === '') return { ok: false, reason: 'empty' };
  if (!PHONE_SHAPE.test(input)) return { ok: false, reason: 'invalid' };
  return input.startsWith('+') ? checkInternational(input) : checkNational(input);
}

/** "+86 138****8000", "+852 9123****": the country code and enough digits to recognise the number, never the whole of it. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed === undefined) return e164.replace(/\d/g, '*');
  return `+${parsed.countryCallingCode} ${maskDigits(parsed.nationalNumber)}`;
}

function normalise(text: string): string {
  const input = text
    .normalize('NFKC')
    .replace(DASHES, '-')
    .replace(TRAILING_PUNCTUATION, '')
    .trim()
    // "(+86) 138…" and "(852) 9123…": a bracketed country code is not part of the number.
    .replace(/^\(\s*(\+?\d{1,4})\s*\)/, '$1 ');
  // 00 is the international prefix in mainland China and Macau; a national number never starts with it here.
  return input.startsWith('00') ? `+${input.slice(2)}` : input;
}

function checkInternational(input: string): PhoneCheck {
  const parsed = parsePhoneNumberFromString(input, { extract: false });
  if (parsed === undefined || !parsed.isValid()) return { ok: false, reason: 'invalid' };
  const region = supportedRegion(parsed);
  if (region === undefined) return { ok: false, reason: 'unsupportedRegion' };
  return accepted(parsed, region) ?? { ok: false, reason: 'invalid' };
}

function checkNational(input: string): PhoneCheck {
  for (const defaultCountry of REGIONS) {
    const parsed = parsePhoneNumberFromString(input, { defaultCountry, extract: false });
    if (parsed === undefined || !parsed.isValid()) continue;
    const region = supportedRegion(parsed);
    const result = region === undefined ? undefined : accepted(parsed, region);
    if (result !== undefined) return result;
  }
  return { ok: false, reason: 'invalid' };
}

function supportedRegion(parsed: PhoneNumber): PhoneRegion | undefined {
  return REGIONS.find((region) => region === parsed.country);
}

function accepted(parsed: PhoneNumber, region: PhoneRegion): PhoneCheck | undefined {
  const type = parsed.getType();
  if (type === undefined || !ACCEPTED_TYPES.has(type)) return undefined;
  return { ok: true, e164: parsed.number, region, display: parsed.formatInternational() };
}

// The head names the network (138, 9123); an 8-digit HK or MO number has nothing left for a tail once four are hidden.
function maskDigits(digits: string): string {
  if (digits.length <= HIDDEN_DIGITS) return '*'.repeat(digits.length);
  const head = digits.length <= 8 ? digits.length - HIDDEN_DIGITS : 3;
  return `${digits.slice(0, head)}${'*'.repeat(HIDDEN_DIGITS)}${digits.slice(head + HIDDEN_DIGITS)}`;
}
