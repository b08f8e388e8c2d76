import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ApiError } from '../../../client/api-client';
import type { LinkKind } from '../../../client/schemas';
import { isFinalStatus, type Task } from '../../../lambdas/shared/model';
import { useApp } from '../app-context';
import { startDownload } from '../ui/download';
import { Icon } from '../ui/icons';
import type { MenuItem } from '../ui/menu';
import { hasReports } from './status';

export interface TaskActionHandlers {
  download: (task: Task, kind: LinkKind) => Promise<void>;
  refresh: (task: Task) => Promise<void>;
  /** Asks for confirmation, then cancels the import (DESIGN §10). */
  cancel: (task: Task) => Promise<void>;
}

const DOWNLOAD_NAMES: Record<LinkKind, string> = {
  original: 'the original file',
  exceptions: 'the exceptions report',
  results: 'the result data',
  email: 'the source email',
};

/**
 * Downloads (through short-lived presigned links fetched on click, so none goes stale on screen) and
 * refresh, reporting failures through `onError`.
 */
export const useTaskActions = (onError: (message: string) => void): TaskActionHandlers => {
  const { api } = useApp();
  const queryClient = useQueryClient();

  const download = useCallback(
    async (task: Task, kind: LinkKind) => {
      try {
        startDownload((await api.link(task.importId, kind)).url);
      } catch (error) {
        onError(
          error instanceof ApiError
            ? error.message
            : `Could not download ${DOWNLOAD_NAMES[kind]} of ${task.fileName}.`,
        );
      }
    },
    [api, onError],
  );

  const refresh = useCallback(
    async (task: Task) => {
      try {
        const fresh = await api.getImport(task.importId);
        queryClient.setQueryData(['import', task.importId], fresh);
        await queryClient.invalidateQueries({ queryKey: ['imports'] });
      } catch (error) {
        onError(error instanceof ApiError ? error.message : `Could not refresh ${task.fileName}.`);
      }
    },
    [api, queryClient, onError],
  );

  const cancel = useCallback(
    async (task: Task) => {
      const what = task.dryRun ? 'check' : 'import';
      const confirmed = window.confirm(
        `Cancel the ${what} of ${task.fileName}? Rows it has not ${task.dryRun ? 'checked' : 'imported'} yet will not be; rows already imported stay, and the exceptions file will hold the rest.`,
      );
      if (!confirmed) return;
      try {
        const fresh = await api.cancelImport(task.importId);
        queryClient.setQueryData(['import', task.importId], fresh);
        await queryClient.invalidateQueries({ queryKey: ['imports'] });
      } catch (error) {
        onError(error instanceof ApiError ? error.message : `Could not cancel ${task.fileName}.`);
      }
    },
    [api, queryClient, onError],
  );

  return { download, refresh, cancel };
};

/** Why an import cannot be cancelled, or undefined when it can. */
export const cancelBlocker = (task: Task): string | undefined => {
  if (isFinalStatus(task.status)) return 'The import has ended';
  if (task.cancelledBy) return `Being cancelled by ${task.cancelledBy}`;
  return undefined;
};

/** Why a report cannot be downloaded yet, or undefined when it can. */
const reportBlocker = (task: Task, kind: 'exceptions' | 'results'): string | undefined => {
  if (!isFinalStatus(task.status)) return 'Available when the import ends';
  if (!hasReports(task.status)) return 'The file was not imported';
  if (kind === 'exceptions' && task.errorCount === 0) return 'No failed rows';
  return undefined;
};

/** The row menu of DESIGN §1: Download, Exceptions, Result Data, Refresh, and the source email. */
export const taskMenuItems = (task: Task, actions: TaskActionHandlers): MenuItem[] => {
  const disabled = (reason: string | undefined) => (reason ? { disabledReason: reason } : {});
  const items: MenuItem[] = [
    {
      label: 'Download',
      icon: <Icon name="download" />,
      onSelect: () => void actions.download(task, 'original'),
      ...disabled(
        task.status === 'PENDING' && task.source === 'upload' ? 'The file is still uploading' : undefined,
      ),
    },
    {
      label: 'Exceptions',
      icon: <Icon name="alert" />,
      onSelect: () => void actions.download(task, 'exceptions'),
      ...disabled(reportBlocker(task, 'exceptions')),
    },
    {
      label: 'Result Data',
      icon: <Icon name="file" />,
      onSelect: () => void actions.download(task, 'results'),
      ...disabled(reportBlocker(task, 'results')),
    },
    { label: 'Refresh', icon: <Icon name="refresh" />, onSelect: () => void actions.refresh(task) },
  ];
  if (!isFinalStatus(task.status)) {
    items.push({
      label: 'Cancel import',
      icon: <Icon name="close" />,
      onSelect: () => void actions.cancel(task),
      ...disabled(cancelBlocker(task)),
    });
  }
  if (task.source === 'email') {
    items.push({
      label: 'Source email',
      icon: <Icon name="mail" />,
      onSelect: () => void actions.download(task, 'email'),
    });
  }
  return items;
};
