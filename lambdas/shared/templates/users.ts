import { z } from 'zod';
import {
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
  columns: [
    {
      name: 'email',
      required: true,
      description: 'Email address, at most 254 characters; unique, compared case-insensitively.',
      example: 'ada.lovelace@example.com',
    },
    { name: 'first_name', required: true, description: '1 to 100 characters.', example: 'Ada' },
    { name: 'last_name', required: true, description: '1 to 100 characters.', example: 'Lovelace' },
    {
      name: 'role',
      required: true,
      description: 'One of admin, manager, member (any case).',
      example: 'member',
    },
    {
      name: 'phone',
      required: false,
      description: 'International E.164 number; spaces, dashes, dots and parentheses are ignored.',
      example: '+44 20 7946 0958',
    },
    { name: 'department', required: false, description: 'At most 100 characters.', example: 'Engineering' },
    { name: 'start_date', required: false, description: 'Date in YYYY-MM-DD format.', example: '2024-03-18' },
  ],
  rowSchema: usersRow,
  normalizeKey: (value) => value.trim().toLowerCase(),
};
