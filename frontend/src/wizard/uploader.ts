import AwsS3 from '@uppy/aws-s3';
import Uppy, { type UppyFile } from '@uppy/core';
import type { ApiClient, CreateImportRequest } from '../../../client/api-client';
import type { Task } from '../../../lambdas/shared/model';

/**
 * Browser-to-S3 multipart uploads through Uppy's S3 plugin, driven by our two routes (DESIGN §6):
 * `POST /api/imports` creates the import and its multipart upload and presigns every part; the plugin
 * PUTs parts in parallel (retrying a failed part on its own) and collects each part's ETag; the complete
 * route finishes the upload and the pipeline starts. No byte passes through a server of ours.
 */

/** The API presigns 8 MiB parts; the uploader must cut the file at the same offsets. */
export const PART_BYTES = 8 * 1024 * 1024;

/** Parts in flight at once across all files (browsers open six connections per host). */
const PARALLEL_PARTS = 6;

/** Waits before retrying a part that failed on the network or with a 5xx; 4xx answers are not retried. */
const PART_RETRY_DELAYS_MS = [0, 1000, 3000, 5000];

/** How to read the file (DESIGN §9), as the preview left it. */
/** How a file is read, and whether it is only checked (DESIGN §9, §10). */
export type FileReadingRequest = Pick<
  CreateImportRequest,
  'mapping' | 'formats' | 'defaultCountry' | 'dryRun'
>;

type ImportMeta = { templateId: string; reading: FileReadingRequest };
type NoBody = Record<string, never>;
type ImportFile = UppyFile<ImportMeta, NoBody>;

export interface UploadListener {
  /** The import exists (PENDING); its parts are about to go up. */
  created(fileId: string, task: Task): void;
  progress(fileId: string, bytesUploaded: number, bytesTotal: number): void;
  /** Every part is stored and the upload completed: the pipeline takes over. */
  uploaded(fileId: string, task: Task): void;
  failed(fileId: string, message: string): void;
}

export interface ImportUploader {
  /** Queues a file for an import with the template, read so; returns the id the listener reports it under. */
  add(file: File, templateId: string, reading?: FileReadingRequest): string;
  /** Uploads every queued file; safe to call more than once (a file is never uploaded twice). */
  start(): void;
  /** Stops uploads in flight and releases the files. */
  close(): void;
}

interface OpenImport {
  importId: string;
  partUrls: Map<number, string>;
}

export class UploadSetupError extends Error {
  override readonly name = 'UploadSetupError';
}

export const createImportUploader = (api: ApiClient, listener: UploadListener): ImportUploader => {
  const open = new Map<string, OpenImport>();

  const openImport = (file: ImportFile): OpenImport => {
    const found = open.get(file.id);
    if (!found) throw new UploadSetupError(`No import was created for ${file.name}.`);
    return found;
  };

  const uppy = new Uppy<ImportMeta, NoBody>({ autoProceed: false, allowMultipleUploadBatches: true });
  uppy.use(AwsS3<ImportMeta, NoBody>, {
    limit: PARALLEL_PARTS,
    retryDelays: PART_RETRY_DELAYS_MS,
    // Every import is a multipart upload, even a one-part file: the API only hands out part URLs.
    shouldUseMultipart: true,
    getChunkSize: () => PART_BYTES,
    async createMultipartUpload(file) {
      const created = await api.createImport({
        templateId: file.meta.templateId,
        fileName: file.name,
        fileSize: file.size ?? 0,
        ...file.meta.reading,
      });
      if (created.upload.partSize !== PART_BYTES) {
        throw new UploadSetupError(
          `The server cuts files into ${created.upload.partSize}-byte parts; this console expects ${PART_BYTES}.`,
        );
      }
      open.set(file.id, {
        importId: created.import.importId,
        partUrls: new Map(created.upload.parts.map((part) => [part.partNumber, part.url])),
      });
      listener.created(file.id, created.import);
      return { uploadId: created.import.importId, key: created.import.importId };
    },
    signPart(file, { partNumber }) {
      const url = openImport(file).partUrls.get(partNumber);
      if (!url) throw new UploadSetupError(`The server sent no URL for part ${partNumber} of ${file.name}.`);
      return { method: 'PUT', url };
    },
    async completeMultipartUpload(file, { parts }) {
      const completed = parts.map((part) => {
        if (part.PartNumber === undefined || !part.ETag) {
          throw new UploadSetupError(`S3 did not return an ETag for a part of ${file.name}.`);
        }
        return { partNumber: part.PartNumber, etag: part.ETag };
      });
      const task = await api.completeUpload(openImport(file).importId, completed);
      listener.uploaded(file.id, task);
      return {};
    },
    // There is no route to list or abort parts: a resumed upload sends every part again, and the
    // bucket's lifecycle rule removes multipart uploads that never complete.
    listParts: () => [],
    abortMultipartUpload: () => undefined,
  });

  uppy.on('upload-progress', (file, progress) => {
    if (file && progress.bytesTotal) listener.progress(file.id, progress.bytesUploaded, progress.bytesTotal);
  });
  uppy.on('upload-error', (file, error) => {
    if (file) listener.failed(file.id, error.message || 'The upload failed.');
  });

  return {
    add(file, templateId, reading = {}) {
      return uppy.addFile({
        name: file.name,
        type: file.type || 'text/csv',
        data: file,
        meta: { templateId, reading },
      });
    },
    start() {
      // Errors reach the listener per file through 'upload-error'; the batch promise adds nothing.
      uppy.upload().catch(() => undefined);
    },
    close() {
      uppy.cancelAll();
      uppy.destroy();
    },
  };
};
