import { mkdir } from 'node:fs/promises';
import type { DataPaths, Ports } from '../settings';
import { startDynamoProcess } from './dynamodb-process';

/**
 * The AWS emulators of the local stack, state on disk under the data dir: fauxqs (S3 + SQS) in library
 * mode, because only that honours its persistence options, and dynalite (DynamoDB) on LevelDB in a
 * process of its own (`dynamodb-process.ts`), so the store does not share a core with the handlers.
 */

export interface Emulators {
  /** fauxqs endpoint (S3 and SQS wire protocols). */
  fauxqsEndpoint: string;
  dynamoEndpoint: string;
  /** Peak resident memory of the DynamoDB emulator's process, in MB, where the OS tells. */
  dynamoPeakRssMb(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** Starts both emulators; if the second fails to start, the first is stopped before the error surfaces. */
export const startEmulators = async (ports: Ports, paths: DataPaths, region: string): Promise<Emulators> => {
  await Promise.all([paths.sqs, paths.s3, paths.dynamo].map((dir) => mkdir(dir, { recursive: true })));

  // fauxqs is ESM-only; a dynamic import keeps this CommonJS module loadable.
  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({
    port: ports.fauxqs,
    logger: false,
    defaultRegion: region,
    dataDir: paths.sqs,
    // Objects as files: in SQLite the database grew to twice the size of the objects it held.
    s3StorageDir: paths.s3,
  });

  try {
    const dynamo = await startDynamoProcess(paths.dynamo, ports.dynamo);
    return {
      fauxqsEndpoint: `http://127.0.0.1:${ports.fauxqs}`,
      dynamoEndpoint: dynamo.endpoint,
      dynamoPeakRssMb: () => dynamo.peakRssMb(),
      stop: async () => {
        const results = await Promise.allSettled([fauxqs.stop(), dynamo.stop()]);
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
      },
    };
  } catch (error) {
    await fauxqs.stop();
    throw error;
  }
};
