import { NotFoundError } from '../shared/errors';
import {
  findTemplate,
  listTemplates,
  sampleCsv,
  type TemplateDefinition,
  type TemplateSummary,
  toTemplateSummary,
} from '../shared/templates';
import type { AccountApiDeps } from './api-types';
import type { ListPage, PageQuery } from './paging';

/** Templates: their public description, sample CSV and the records imported through them. */

export type TemplatesDeps = Pick<AccountApiDeps, 'records' | 'cursors'>;

const requireTemplate = (templateId: string): TemplateDefinition => {
  const template = findTemplate(templateId);
  if (!template) throw new NotFoundError(`Template ${templateId} does not exist.`);
  return template;
};

export const listTemplateSummaries = (): { items: TemplateSummary[] } => ({
  items: listTemplates().map(toTemplateSummary),
});

/** The sample CSV of a template and the name it downloads as. */
export const templateSample = (templateId: string): { fileName: string; csv: string } => {
  const template = requireTemplate(templateId);
  return { fileName: `${template.templateId}-sample.csv`, csv: sampleCsv(template) };
};

/** A stored record as the API shows it: every template column present, null when it has no value. */
export type RecordView = Record<string, unknown>;

const toRecordView = (template: TemplateDefinition, data: Record<string, unknown>): RecordView =>
  Object.fromEntries(
    template.columns.map((column) => {
      const value = data[column.name];
      return [column.name, value === undefined || value === '' ? null : value];
    }),
  );

/** Records imported through a template, paged. */
export const listTemplateRecords = async (
  deps: TemplatesDeps,
  templateId: string,
  query: PageQuery,
): Promise<ListPage<RecordView>> => {
  const template = requireTemplate(templateId);
  const scope = `records:${template.templateId}`;
  const page = await deps.records.list(
    template.templateId,
    query.limit,
    deps.cursors.decode(scope, query.cursor),
  );
  return {
    items: page.items.map((record) => toRecordView(template, record.data)),
    nextCursor: deps.cursors.encode(scope, page.next),
  };
};
