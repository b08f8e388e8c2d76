import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDefinition } from '../../lambdas/shared/resource-definitions';

/**
 * A pipeline queue built from its shared definition (`lambdas/shared/resource-definitions.ts`), with its
 * dead-letter queue and the two alarms an operator needs: something died, or something is stuck.
 */

/** SQS's maximum: a poison message waits two weeks for an operator, longer than any source queue keeps one. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** AWS asks for a visibility timeout of at least six times the consumer's timeout on Lambda event sources. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

export interface WorkQueueProps {
  definition: QueueDefinition;
  /** Where both alarms notify. */
  alarmTopic: ITopic;
}

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly definition: QueueDefinition;
  readonly deadLetterAlarm: Alarm;
  readonly oldestMessageAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    if (
      definition.visibilityTimeoutSeconds <
      VISIBILITY_TO_TIMEOUT_RATIO * definition.functionTimeoutSeconds
    ) {
      // A shorter visibility lets a second worker receive a message while the first is still on it.
      throw new Error(
        `Queue ${definition.id}: visibility ${definition.visibilityTimeoutSeconds}s is under ` +
          `${VISIBILITY_TO_TIMEOUT_RATIO}× the function timeout (${definition.functionTimeoutSeconds}s)`,
      );
    }

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      // Every retry of a message must fit before the source queue forgets it.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });

    const notify = new SnsAction(props.alarmTopic);

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `A ${definition.id} message failed ${definition.maxReceiveCount} times and is in its dead-letter queue.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(notify);

    this.oldestMessageAlarm = new Alarm(this, 'OldestMessageAlarm', {
      alarmDescription: `A ${definition.id} message has waited longer than a failed attempt and its retry take.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: stuckAfterSeconds(definition),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm.addAlarmAction(notify);
  }
}

/**
 * How old the oldest message may get before the queue counts as stuck rather than retried: a failed attempt
 * hides a message for the visibility timeout, and its retry may run for one function timeout. Never under
 * 15 minutes, so a busy but healthy queue does not page anyone.
 */
export const stuckAfterSeconds = (definition: QueueDefinition): number =>
  Math.max(15 * 60, definition.visibilityTimeoutSeconds + definition.functionTimeoutSeconds);
