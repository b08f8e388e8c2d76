import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../../lambdas/shared/resource-definitions';

/**
 * Builds a DynamoDB table from its shared definition, the same one the local provisioner uses: every key a
 * string, every index projecting what its definition says. On-demand (an import's burst needs no capacity planning),
 * point-in-time recovery, deletion protection, and retained if the stack is ever deleted.
 */
export const definitionTable = (scope: Construct, id: string, definition: TableDefinition): Table => {
  const table = new Table(scope, id, {
    partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
    ...(definition.sortKey ? { sortKey: { name: definition.sortKey, type: AttributeType.STRING } } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // Encrypted at rest with a key DynamoDB owns: no per-request KMS charges on a write-heavy import.
    encryption: TableEncryption.DEFAULT,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      ...(index.projection.type === 'INCLUDE'
        ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection.attributes] }
        : { projectionType: ProjectionType[index.projection.type] }),
    });
  }
  return table;
};
