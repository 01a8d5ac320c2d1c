import { type TableAccess, type TableName, tableSpec } from "@hearth/domain";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";

const READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
];

/**
 * The DynamoDB actions behind each access level: what the domain repositories call, and no
 * Scan (nothing scans on a request path). Transactions are authorized item by item through
 * the same Put/Update/Delete/ConditionCheck actions.
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: READ_ACTIONS,
  readUpdate: [...READ_ACTIONS, "dynamodb:UpdateItem"],
  readWrite: [
    ...READ_ACTIONS,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
  ],
};

/** The table's ARN and one ARN per index its spec declares: no wildcard, not even over indexes. */
export function tableResourceArns(name: TableName, table: dynamodb.ITable): string[] {
  const indexes = tableSpec(name).globalSecondaryIndexes ?? [];
  return [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index.indexName}`)];
}

/** Grants `grantee` exactly the listed tables (and their indexes), each at its access level. */
export function grantTableAccess(
  grantee: iam.IGrantable,
  tables: Record<TableName, dynamodb.ITable>,
  access: Partial<Record<TableName, TableAccess>>,
): void {
  for (const [name, level] of Object.entries(access) as [TableName, TableAccess][]) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...TABLE_ACTIONS[level]],
      resourceArns: tableResourceArns(name, tables[name]),
    });
  }
}
