import { readFile } from 'node:fs/promises';

/**
 * Peak resident memory of a process (Linux `VmHWM`), in MB; undefined where /proc is not available or
 * the process is gone.
 */
export const peakRssMb = async (pid: number | 'self' = 'self'): Promise<number | undefined> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
};
