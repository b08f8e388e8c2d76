import { z } from 'zod';
import {
  code,
  columnsOf,
  optionalAmount,
  optionalBoolean,
  optionalEmail,
  optionalText,
  requiredText,
} from './rules';
import type { TemplateDefinition } from './types';

const departmentsRow = z.object({
  code: code('Code', 32, true),
  name: requiredText('Name', 100),
  parent_code: code('Parent code', 32, false),
  manager_email: optionalEmail('Manager email'),
  cost_center: optionalText('Cost center', 50),
  budget: optionalAmount('Budget'),
  active: optionalBoolean('Active', true),
});

/** Departments: upsert by code, so a file can both create and update departments. */
export const departmentsTemplate: TemplateDefinition<typeof departmentsRow> = {
  templateId: 'departments',
  name: 'Departments',
  description: 'Organisation units. A row whose code already exists updates that department.',
  mode: 'upsert',
  key: 'code',
  columns: columnsOf(departmentsRow, {
    code: { example: 'ENG-PLATFORM', note: 'unique, any case' },
    name: { example: 'Platform Engineering' },
    parent_code: { example: 'ENG', description: 'Code of the parent department' },
    manager_email: { example: 'grace.hopper@example.com', description: 'Email of the department manager' },
    cost_center: { example: 'CC-4100' },
    budget: { example: '250000.00' },
    active: { example: 'yes' },
  }),
  rowSchema: departmentsRow,
  normalizeKey: (value) => value.trim().toUpperCase(),
  matching: {
    code: {
      kind: 'code',
      synonyms: ['department code', 'dept code', 'unit code', 'department id', 'dept id', 'id', 'key'],
      avoid: ['parent', 'cost'],
    },
    name: {
      kind: 'text',
      synonyms: ['department', 'department name', 'dept name', 'unit name', 'title'],
      avoid: ['parent', 'manager'],
    },
    parent_code: {
      kind: 'code',
      synonyms: ['parent', 'parent department', 'parent id', 'parent department code', 'reports to'],
    },
    manager_email: {
      kind: 'email',
      synonyms: ['manager', 'manager mail', 'head email', 'department head', 'owner email', 'manager e mail'],
    },
    cost_center: { kind: 'text', synonyms: ['cost centre', 'costcenter', 'cc', 'cost center code'] },
    budget: { kind: 'amount', synonyms: ['annual budget', 'budget amount', 'amount'] },
    active: { kind: 'boolean', synonyms: ['is active', 'enabled', 'status'] },
  },
};
