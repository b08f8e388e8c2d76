import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { z } from 'zod';
import { nagResourceName } from '../nag-findings';

/**
 * The one place Lambda defaults live (STYLE §7): runtime, architecture, tracing, log retention and bundling
 * are fixed here; memory and timeout are chosen per function. Permissions are granted together with the
 * environment variable that names the resource, so a function never gets a name without the access, or
 * access without knowing the name. The function's settings schema (its stage's `settings.ts`) decides which
 * variables it may get: one it does not name fails the synth, and so does one it requires that was not set.
 */

/** A setting the handler's schema requires: it has no default and may not be left out. */
const isRequired = (field: z.ZodType): boolean => !field.safeParse(undefined).success;

/** Object operations a function may perform under one key prefix of the data bucket. */
export type ObjectAccess = 'read' | 'write' | 'delete' | 'abort';

const OBJECT_ACTIONS: Record<ObjectAccess, readonly string[]> = {
  // GetObject also covers HeadObject and ranged GETs.
  read: ['s3:GetObject'],
  // PutObject covers the multipart calls (create, upload part, complete); aborting is its own action.
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
  /** Aborting multipart uploads only (the watchdog ends uploads that were never completed). */
  abort: ['s3:AbortMultipartUpload'],
};

export interface BucketUse {
  /** Key prefixes (`uploads/`, `work/`, …) and what the function does under each. */
  prefixes: Readonly<Record<string, readonly ObjectAccess[]>>;
  /**
   * Grants `s3:ListBucket` so a HEAD of a missing key answers 404 rather than 403: the object store treats
   * 404 as "not there yet" and anything else as a failure.
   */
  headsMissingKeys?: boolean;
}

/** DynamoDB actions a function may call on a table (and the named indexes for Query). */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:PartiQLInsert';

export interface TableUse {
  actions: readonly TableAction[];
  /** Global secondary indexes the function queries; only these index ARNs are granted. */
  indexes?: readonly string[];
}

export interface ImportFunctionProps {
  /** Absolute path of the handler module (`lambdas/<stage>/handler.ts`, exporting `handler`). */
  entry: string;
  /** The settings schema the handler parses at cold start (`lambdas/<stage>/settings.ts`). */
  settings: z.ZodObject;
  /** Repository root: where `package-lock.json` and `tsconfig.json` are. */
  projectRoot: string;
  description: string;
  /** MB; CPU share grows with memory, so CPU-bound stages get more than they need in RAM. */
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  /** Logger level (`LOG_LEVEL`). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** A Node.js handler of this project with the project's Lambda defaults and its own least-privilege role. */
export class ImportFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  private readonly settings: z.ZodObject;
  private readonly set = new Set<string>(['LOG_LEVEL']);

  constructor(scope: Construct, id: string, props: ImportFunctionProps) {
    super(scope, id);
    this.settings = props.settings;
    // Checked once the stack is built: every setting the handler requires was given (else it cannot start).
    this.node.addValidation({
      validate: () => {
        const missing = Object.entries(this.settings.shape)
          .filter(([name, field]) => isRequired(field as z.ZodType) && !this.set.has(name))
          .map(([name]) => name);
        return missing.length > 0 ? [`its handler requires settings never set: ${missing.join(', ')}`] : [];
      },
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Logs describe past imports; they follow their retention rather than the stack's lifetime.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the default one: the default attaches the AWS managed basic-execution
    // policy, which may write to every log group in the account; this one writes to its own group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      environment: {
        LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // The project's own esbuild (a devDependency) bundles locally: no Docker, no network at synth.
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the functions run the versions the tests ran, not the runtime's copy.
        externalModules: [],
        tsconfig: `${props.projectRoot}/tsconfig.json`,
      },
    });
    // X-Ray accepts trace segments only on `*`: the one wildcard every function's role carries.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so CDK grants them on *.',
    });
  }

  /** The function as the rest of the stack sees it (event sources, integrations, permissions). */
  get handler(): IFunction {
    return this.function;
  }

  /** Sets one setting the handler parses at cold start; its schema must name it. */
  setting(name: string, value: string): this {
    if (!(name in this.settings.shape))
      throw new Error(`${this.node.path}: its handler's settings do not name ${name}, so it may not be set`);
    this.function.addEnvironment(name, value);
    this.set.add(name);
    return this;
  }

  /** `BUCKET_NAME` plus exactly the object operations the function performs, prefix by prefix. */
  useBucket(bucket: IBucket, use: BucketUse): this {
    this.setting('BUCKET_NAME', bucket.bucketName);
    for (const [prefix, accesses] of Object.entries(use.prefixes)) {
      const objects = bucket.arnForObjects(`${prefix}*`);
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [...new Set(accesses.flatMap((access) => OBJECT_ACTIONS[access]))],
          resources: [objects],
        }),
      );
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, objects)}]`,
        reason: `Keys under ${prefix} are named at run time (per import or per received message); this prefix is the narrowest resource that covers them.`,
      });
    }
    if (use.headsMissingKeys) {
      // S3 answers a missing key with 404 only to a caller that may list it: listing is allowed under the
      // function's own prefixes only (the object store lists a key itself when a HEAD comes back 403).
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: {
            StringLike: { 's3:prefix': Object.keys(use.prefixes).map((prefix) => `${prefix}*`) },
          },
        }),
      );
    }
    return this;
  }

  /**
   * A table setting (`STATE_TABLE`, `RECORDS_TABLE`) plus the listed actions on that table only.
   */
  useTable(name: 'STATE_TABLE' | 'RECORDS_TABLE', table: ITable, use: TableUse): this {
    this.setting(name, table.tableName);
    const indexActions = use.actions.filter((action) => action === 'dynamodb:Query');
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...use.actions], resources: [table.tableArn] }),
    );
    if (use.indexes && use.indexes.length > 0 && indexActions.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: indexActions,
          resources: use.indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    return this;
  }

  /**
   * `REPLY_FROM` plus permission to send mail through SES as that one address of a verified identity
   * (the condition keeps the function from sending as any other address of the domain).
   */
  sendsMailAs(from: string, identityArn: string): this {
    this.setting('REPLY_FROM', from);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [identityArn],
        conditions: { StringEquals: { 'ses:FromAddress': from } },
      }),
    );
    return this;
  }

  /** A queue URL setting plus permission to send to that queue. */
  sendsTo(name: 'CHUNKS_QUEUE_URL' | 'FINALIZE_QUEUE_URL' | 'INTAKE_QUEUE_URL', queue: IQueue): this {
    this.setting(name, queue.queueUrl);
    queue.grantSendMessages(this.role);
    return this;
  }
}
