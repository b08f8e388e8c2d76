import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 names each wildcard finding after the resource as the template spells it, flattened:
 * `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/uploads/*"]]}` becomes
 * `arn:<AWS::Partition>:s3:::b/uploads/*`. These helpers build those names from the same values the
 * grants use, so an acknowledgment follows a renamed resource instead of silently going stale.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The flattening cdk-nag applies to a resolved CloudFormation value. */
const flatten = (value: unknown): string => {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (isRecord(value)) {
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(flatten).join(join[0]);
    }
    if ('Fn::Sub' in value) return flatten(value['Fn::Sub']);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if ('Fn::ImportValue' in value) return flatten(value['Fn::ImportValue']);
    if ('Ref' in value) return `<${flatten(value.Ref)}>`;
  }
  return JSON.stringify(value);
};

/** How cdk-nag names `value` (an ARN, possibly with tokens) in findings on resources of `scope`'s stack. */
export const nagResourceName = (scope: IConstruct, value: string): string =>
  flatten(Stack.of(scope).resolve(value));

/** The CDK staging bucket's objects, as cdk-nag prints them, for this stack's bootstrap qualifier. */
export const assetBucketObjects = (stack: Stack): string => {
  const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`;
};

/** The AWS managed policy CDK attaches to the roles of its own provider functions. */
export const BASIC_EXECUTION_POLICY =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
