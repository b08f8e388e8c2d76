import { RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CorsRule,
  type IBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /** Physical name, for buckets other stacks or operators address by name; generated otherwise. */
  bucketName?: string;
  /** Where S3 writes this bucket's server access logs; absent only for the log bucket itself. */
  accessLogs?: { bucket: IBucket; prefix: string };
  cors?: CorsRule[];
  lifecycleRules?: LifecycleRule[];
  /** Bucket-owner-enforced (no ACLs) unless a writer such as CloudFront's standard logging needs ACLs. */
  objectOwnership?: ObjectOwnership;
}

/**
 * A bucket with the defaults every bucket here shares: no public access, TLS 1.2+ only, encrypted at rest
 * with S3-managed keys (which SES, CloudFront origin access control and presigned uploads all work with
 * without key policies), and kept if the stack is deleted.
 */
export const secureBucket = (scope: Construct, id: string, props: SecureBucketProps = {}): Bucket =>
  new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: props.objectOwnership ?? ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(props.bucketName ? { bucketName: props.bucketName } : {}),
    ...(props.accessLogs
      ? { serverAccessLogsBucket: props.accessLogs.bucket, serverAccessLogsPrefix: props.accessLogs.prefix }
      : {}),
    ...(props.cors ? { cors: props.cors } : {}),
    ...(props.lifecycleRules ? { lifecycleRules: props.lifecycleRules } : {}),
  });
