import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * SDK clients the stack itself uses to provision and to move events between the emulators. Handlers
 * build theirs in `lambdas/shared/composition-root.ts` from the environment this stack sets.
 */

/** The emulators accept any credentials; fixed ones keep the SDK from looking for a profile. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface StackClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamo: DynamoDBClient;
}

export const createStackClients = (
  fauxqsEndpoint: string,
  dynamoEndpoint: string,
  region: string,
): StackClients => ({
  s3: new S3Client({
    region,
    endpoint: fauxqsEndpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  }),
  // Queue URLs name a host (sqs.<region>.localhost) that does not resolve here: always use the endpoint.
  sqs: new SQSClient({
    region,
    endpoint: fauxqsEndpoint,
    useQueueUrlAsEndpoint: false,
    credentials: LOCAL_CREDENTIALS,
  }),
  dynamo: new DynamoDBClient({ region, endpoint: dynamoEndpoint, credentials: LOCAL_CREDENTIALS }),
});
