import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { monotonicFactory } from "ulid";
import type { CursorCodec } from "../dynamo/cursor.js";
import type { TableNames } from "../tables.js";

/** What every repository is built from: injected, so tests and handlers choose the client and tables. */
export interface RepositoryContext {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  cursors: CursorCodec;
  /** Replaceable clock and id source (ULIDs, which sort by time). */
  now?: () => Date;
  newId?: () => string;
}

export abstract class Repository {
  protected readonly doc: DynamoDBDocumentClient;
  protected readonly tables: TableNames;
  protected readonly cursors: CursorCodec;
  protected readonly now: () => Date;
  protected readonly newId: () => string;

  constructor(context: RepositoryContext) {
    this.doc = context.doc;
    this.tables = context.tables;
    this.cursors = context.cursors;
    this.now = context.now ?? (() => new Date());
    this.newId = context.newId ?? monotonicFactory();
  }

  protected timestamp(): string {
    return this.now().toISOString();
  }
}
