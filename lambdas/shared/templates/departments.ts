import { z } from 'zod';
import { code, optionalAmount, optionalBoolean, optionalEmail, optionalText, requiredText } from './rules';
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
  columns: [
    {
      name: 'code',
      required: true,
      description: 'Up to 32 letters, digits, dashes or underscores; unique, any case.',
      example: 'ENG-PLATFORM',
    },
    { name: 'name', required: true, description: '1 to 100 characters.', example: 'Platform Engineering' },
    { name: 'parent_code', required: false, description: 'Code of the parent department.', example: 'ENG' },
    {
      name: 'manager_email',
      required: false,
      description: 'Email of the department manager.',
      example: 'grace.hopper@example.com',
    },
    { name: 'cost_center', required: false, description: 'At most 50 characters.', example: 'CC-4100' },
    {
      name: 'budget',
      required: false,
      description: 'Non-negative amount with at most two decimals.',
      example: '250000.00',
    },
    {
      name: 'active',
      required: false,
      description: 'yes or no (true/false, 1/0); blank means yes.',
      example: 'yes',
    },
  ],
  rowSchema: departmentsRow,
  normalizeKey: (value) => value.trim().toUpperCase(),
};
