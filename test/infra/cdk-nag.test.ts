import { Validations } from 'aws-cdk-lib';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthesizeTestApp } from './infra-app';

/**
 * The AwsSolutions pack over the synthesized app, as `cdk synth` runs it (bin/ registers the same pack as a
 * validation plugin): zero findings, and every acknowledgment in code carries a reason.
 */

const DEFAULTS = synthesizeTestApp();
const EVERYTHING = synthesizeTestApp({
  consoleDomain: 'imports-console.example.com',
  consoleCertificateArn:
    'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678',
  importDomain: 'imports.example.com',
  importAddresses: 'users@imports.example.com,departments@imports.example.com',
  adminEmail: 'first.admin@example.com',
  alarmEmail: 'ops@example.com',
});

/** Rules that may be acknowledged at all; anything else (public buckets, no TLS, no DLQ…) must be fixed. */
const ACKNOWLEDGEABLE = new Set([
  'AwsSolutions-S1',
  'AwsSolutions-CFR1',
  'AwsSolutions-CFR2',
  'AwsSolutions-CFR4',
  'AwsSolutions-IAM4',
  'AwsSolutions-IAM5',
  'AwsSolutions-L1',
  'AwsSolutions-SMG4',
  'AwsSolutions-APIG4',
  '@aws-cdk/s3:AddBucketPermissions',
  // Only for email ingest's on-failure destination, itself the end of the line (checked below).
  'AwsSolutions-SQS3',
]);

const acknowledgments = (root: IConstruct): { path: string; id: string; reason: string }[] =>
  root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['default context', DEFAULTS],
    ['every option set', EVERYTHING],
  ])('finds nothing unacknowledged with %s', (_label, built) => {
    // Act: after synthesis, as the validation plugin sees the app (cross-stack references resolved).
    const report = new AwsSolutionsChecks(built.app).validateScope(built.app);

    // Assess
    const findings = report.violations.map(
      (violation) =>
        `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('runs on every synthesis of the app, and fails it on an unacknowledged finding', () => {
    // Prepare: the app as bin/ builds it, plus a queue with neither encryption, TLS policy nor DLQ.
    const built = synthesizeTestApp();
    new CfnQueue(built.stateless, 'CarelessQueue', { sqsManagedSseEnabled: false });

    // Act
    const synthesize = () => built.app.synth({ force: true });

    // Assess
    expect(synthesize).toThrow(/AwsSolutions-SQS3/);
  });

  it('acknowledges only rules that may be acknowledged, each with a real reason', () => {
    // Act
    const all = acknowledgments(EVERYTHING.app);

    // Assess
    expect(all.length).toBeGreaterThan(0);
    for (const acknowledgment of all) {
      expect(ACKNOWLEDGEABLE).toContain(acknowledgment.id.replace(/\[.*\]$/, ''));
      expect(acknowledgment.reason.length).toBeGreaterThanOrEqual(40);
    }
  });

  it('lets only the email-ingest failure queue go without a dead-letter queue', () => {
    const withoutDlq = acknowledgments(EVERYTHING.app).filter(
      (acknowledgment) => acknowledgment.id === 'AwsSolutions-SQS3',
    );
    expect(withoutDlq.map((acknowledgment) => acknowledgment.path)).toEqual([
      'BulkImports-Stateful/EmailIngestFailures',
    ]);
  });

  it('acknowledges wildcard grants of our own functions per key prefix, never on a whole bucket', () => {
    // Act
    const ours = acknowledgments(EVERYTHING.app).filter(
      (acknowledgment) =>
        acknowledgment.id.startsWith('AwsSolutions-IAM5[Resource::') &&
        !acknowledgment.path.includes('Custom::'),
    );

    // Assess
    for (const acknowledgment of ours) {
      expect(acknowledgment.id).toMatch(
        /^AwsSolutions-IAM5\[Resource::(\*|arn:<AWS::Partition>:s3:::[A-Za-z0-9<>:-]+\/(uploads|work|reports|inbound)\/\*)\]$/,
      );
    }
  });
});
