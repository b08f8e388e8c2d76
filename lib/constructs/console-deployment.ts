import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { assetBucketObjects, BASIC_EXECUTION_POLICY, nagResourceName } from '../nag-findings';

/**
 * What the console reads from `/config.json` at start-up to find the API and its sign-in. Deployed with
 * every stack update, so the console build itself holds no environment-specific values.
 */
export interface ConsoleConfig {
  /** Base URL of the HTTP API; routes are under `/api`. */
  apiUrl: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** Hosted sign-in base URL (`/oauth2/authorize`, `/oauth2/token`, `/logout` live under it). */
  authDomain: string;
  /** Scopes to request; the API requires the admin scope in the access token. */
  scopes: string[];
}

export interface ConsoleDeploymentProps {
  bucket: IBucket;
  config: ConsoleConfig;
  /** The console's build output (`frontend/dist`); skipped while it does not exist. */
  distDir: string;
}

/** The file the console fetches on start-up; kept out of the build so one build serves every stage. */
export const CONSOLE_CONFIG_KEY = 'config.json';

/**
 * Puts the console into its bucket: the build's hashed assets cached for a year, the app shell and
 * `config.json` revalidated on every load so a deploy shows up at once without a cache invalidation.
 */
export class ConsoleDeployment extends Construct {
  /** Whether the console's build output was found and deployed. */
  readonly deploysBuild: boolean;

  constructor(scope: Construct, id: string, props: ConsoleDeploymentProps) {
    super(scope, id);
    const revalidate = [CacheControl.noCache()];

    // The console is built in a later step of the project; until `frontend/dist` exists, only its
    // configuration is deployed, so the API and sign-in work and the console can be added by a redeploy.
    this.deploysBuild = existsSync(join(props.distDir, 'index.html'));
    let build: BucketDeployment | undefined;
    if (this.deploysBuild) {
      build = new BucketDeployment(this, 'Assets', {
        sources: [Source.asset(props.distDir)],
        destinationBucket: props.bucket,
        exclude: ['index.html', CONSOLE_CONFIG_KEY],
        prune: true,
        cacheControl: [
          CacheControl.setPublic(),
          CacheControl.maxAge(Duration.days(365)),
          CacheControl.immutable(),
        ],
      });
      const shell = new BucketDeployment(this, 'Shell', {
        sources: [Source.asset(props.distDir)],
        destinationBucket: props.bucket,
        exclude: ['*'],
        include: ['index.html'],
        prune: false,
        cacheControl: revalidate,
      });
      // The shell must never point at assets that are not there yet.
      shell.node.addDependency(build);
    }

    const config = new BucketDeployment(this, 'Config', {
      sources: [Source.jsonData(CONSOLE_CONFIG_KEY, props.config)],
      destinationBucket: props.bucket,
      prune: false,
      cacheControl: revalidate,
    });
    if (build) config.node.addDependency(build);

    acknowledgeDeploymentHandler(Stack.of(this), props.bucket);
  }
}

/**
 * BucketDeployment runs through one CDK-provided function per stack that copies assets from the CDK
 * staging bucket. Its role and runtime are CDK's: acknowledge their findings with reasons.
 */
const acknowledgeDeploymentHandler = (stack: Stack, bucket: IBucket): void => {
  const handler = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!handler) throw new Error('Expected the bucket deployment handler CDK adds for BucketDeployment');
  const validations = Validations.of(handler);
  validations.acknowledge({
    id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
    reason: 'CDK-provided deployment function; the managed policy only lets it write its own logs.',
  });
  validations.acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'CDK-provided deployment function (Python with the AWS CLI layer); aws-cdk-lib pins its runtime.',
  });
  const copies = 'CDK-provided deployment function: it copies (and prunes) the console files';
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    validations.acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${copies}; CDK's grant uses action groups, limited to the staging bucket and the console bucket.`,
    });
  }
  validations.acknowledge({
    id: `AwsSolutions-IAM5[Resource::${assetBucketObjects(stack)}]`,
    reason: `${copies} from CDK's staging bucket, whose asset keys are content hashes known only at deploy time.`,
  });
  validations.acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack, bucket.arnForObjects('*'))}]`,
    reason: `${copies} into the console bucket, which holds nothing else.`,
  });
};
