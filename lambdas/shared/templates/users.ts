import { z } from 'zod';
import {
  columnsOf,
  optionalIsoDate,
  optionalPhone,
  optionalText,
  requiredChoice,
  requiredEmail,
  requiredText,
} from './rules';
import type { TemplateDefinition } from './types';

const ROLES = ['admin', 'manager', 'member'] as const;

const usersRow = z.object({
  email: requiredEmail('Email'),
  first_name: requiredText('First name', 100),
  last_name: requiredText('Last name', 100),
  role: requiredChoice('Role', ROLES),
  phone: optionalPhone('Phone'),
  department: optionalText('Department', 100),
  start_date: optionalIsoDate('Start date'),
});

/** Users: insert-only, keyed by email (an existing user is a row error, never overwritten). */
export const usersTemplate: TemplateDefinition<typeof usersRow> = {
  templateId: 'users',
  name: 'Users',
  description: 'People who can sign in to the account. Existing users (same email) are never overwritten.',
  mode: 'insert',
  key: 'email',
  columns: columnsOf(usersRow, {
    email: { example: 'ada.lovelace@example.com', note: 'unique, compared case-insensitively' },
    first_name: { example: 'Ada' },
    last_name: { example: 'Lovelace' },
    role: { example: 'member' },
    phone: { example: '+44 20 7946 0958' },
    department: { example: 'Engineering' },
    start_date: { example: '2024-03-18' },
  }),
  rowSchema: usersRow,
  normalizeKey: (value) => value.trim().toLowerCase(),
};
