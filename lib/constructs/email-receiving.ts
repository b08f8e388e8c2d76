import { Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity, Identity, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { Lambda, LambdaInvocationType, S3 } from 'aws-cdk-lib/aws-ses-actions';
import { Construct } from 'constructs';

export interface EmailReceivingProps {
  /** Names are fixed so the bucket policy (stateful stack) can allow exactly this rule to write. */
  ruleSetName: string;
  ruleName: string;
  /** Domain whose MX record points at SES. */
  domain: string;
  /** Accepted recipients; empty means every address at the domain. */
  addresses: readonly string[];
  /** The data bucket; its policy (stateful stack) already allows this rule to write. */
  bucket: IBucket;
  /** Key prefix the raw messages are stored under (`inbound/`). */
  objectKeyPrefix: string;
  /** Turns a stored message into import tasks. */
  ingest: IFunction;
}

/**
 * SES receiving for email imports: one rule that requires TLS, has SES scan for spam and viruses (the
 * verdicts reach the ingest function, which drops failed mail), stores the raw message under `inbound/`
 * and then invokes the ingest function asynchronously with the message's metadata.
 *
 * The rule set is not activated here: an account has one active rule set per region, and activating ours
 * from a deploy would silently replace whatever receives mail there today (see docs/deploy.md).
 */
export class EmailReceiving extends Construct {
  readonly ruleSet: ReceiptRuleSet;
  readonly identity: EmailIdentity;

  constructor(scope: Construct, id: string, props: EmailReceivingProps) {
    super(scope, id);

    // Receiving needs the domain verified; the same identity lets reply emails be sent from it.
    this.identity = new EmailIdentity(this, 'Domain', { identity: Identity.domain(props.domain) });

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.ruleSetName });
    const rule = this.ruleSet.addRule('ImportMail', {
      receiptRuleName: props.ruleName,
      recipients: props.addresses.length > 0 ? [...props.addresses] : [props.domain],
      tlsPolicy: TlsPolicy.REQUIRE,
      scanEnabled: true,
      actions: [
        new S3({ bucket: props.bucket, objectKeyPrefix: props.objectKeyPrefix }),
        new Lambda({ function: props.ingest, invocationType: LambdaInvocationType.EVENT }),
      ],
    });
    Validations.of(rule).acknowledge({
      id: '@aws-cdk/s3:AddBucketPermissions',
      reason:
        'The data bucket policy in the stateful stack lets SES write under inbound/ for this rule only.',
    });
  }
}
