import { useQuery } from '@tanstack/react-query';
import type { TemplateSummary } from '../../../lambdas/shared/templates/types';
import { useApp } from '../app-context';

/** The templates change only with a deploy: fetched once per session. */
export const useTemplates = () => {
  const { api } = useApp();
  return useQuery({
    queryKey: ['templates'],
    queryFn: () => api.listTemplates(),
    staleTime: Number.POSITIVE_INFINITY,
  });
};

export const templateName = (templates: readonly TemplateSummary[] | undefined, templateId: string): string =>
  templates?.find((template) => template.templateId === templateId)?.name ?? templateId;
