import type { Template } from 'aws-cdk-lib/assertions';
import { type CfnResourceJson, resourcesOfType } from './infra-app';

/** Helpers that read synthesized templates as plain data. */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A CloudFormation value as one readable string: `Fn::Join` joined, `Ref` as `<X>`, `Fn::GetAtt` as
 * `<X.Attr>`, `Fn::GetStackOutput` as `<output:Name>`. Good enough to compare ARNs in IAM policies.
 */
export const cfnString = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value)) {
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(cfnString).join(join[0]);
    }
    if (typeof value.Ref === 'string') return `<${value.Ref}>`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.map(cfnString).join('.')}>`;
    const output = value['Fn::GetStackOutput'];
    if (isRecord(output)) return `<output:${cfnString(output.OutputName)}>`;
  }
  return JSON.stringify(value);
};

export interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
  /** The statement's `Condition`, as written (absent: none). */
  condition?: unknown;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

const statementsOf = (policy: CfnResourceJson): Statement[] => {
  const document = policy.Properties?.PolicyDocument;
  if (!isRecord(document)) return [];
  return asList(document.Statement)
    .filter(isRecord)
    .map((statement) => ({
      effect: String(statement.Effect),
      actions: asList(statement.Action).map(String),
      resources: asList(statement.Resource).map(cfnString),
      ...(statement.Condition === undefined ? {} : { condition: statement.Condition }),
    }));
};

/** Every allow statement of the inline policies attached to the role of a Lambda function. */
export const functionStatements = (template: Template, functionLogicalId: string): Statement[] => {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionLogicalId];
  const role = fn?.Properties?.Role;
  const roleId = isRecord(role) && Array.isArray(role['Fn::GetAtt']) ? role['Fn::GetAtt'][0] : undefined;
  if (typeof roleId !== 'string') throw new Error(`${functionLogicalId} has no role of this stack`);
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => asList(policy.Properties?.Roles).some((ref) => isRecord(ref) && ref.Ref === roleId))
    .flatMap(statementsOf)
    .filter((statement) => statement.effect === 'Allow');
};

/** Resource → sorted actions, over all statements. */
export const actionsByResource = (statements: Statement[]): Record<string, string[]> => {
  const result: Record<string, Set<string>> = {};
  for (const statement of statements) {
    for (const resource of statement.resources) {
      result[resource] ??= new Set();
      for (const action of statement.actions) result[resource].add(action);
    }
  }
  return Object.fromEntries(
    Object.entries(result).map(([resource, actions]) => [resource, [...actions].sort()]),
  );
};

/** Logical id of the one function whose id starts with `prefix` (construct ids are stable, hashes are not). */
export const functionId = (template: Template, prefix: string): string => {
  const ids = Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).filter((id) =>
    id.startsWith(prefix),
  );
  if (ids.length !== 1 || !ids[0])
    throw new Error(`Expected one function starting with ${prefix}, found ${ids.length}`);
  return ids[0];
};
