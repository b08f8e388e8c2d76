import { formatSize } from './csv/sizes';
import { MAX_FILE_BYTES } from './model';

/**
 * Why a stored upload cannot be imported, judged on its size alone, or undefined when it can. The API's
 * upload completion and validate-file both check this and race to end the task, so they share the words.
 */
export const storedSizeProblem = (size: number, declared: number | undefined): string | undefined => {
  if (size > MAX_FILE_BYTES) return `File is ${formatSize(size)}; the limit is ${formatSize(MAX_FILE_BYTES)}`;
  if (declared !== undefined && size !== declared) {
    return `The uploaded file is ${size.toLocaleString('en-US')} bytes but ${declared.toLocaleString('en-US')} bytes were declared; upload it again`;
  }
  return undefined;
};
