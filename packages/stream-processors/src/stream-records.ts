import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type {
  _Record as StreamsApiRecord,
  AttributeValue as StreamsAttributeValue,
} from "@aws-sdk/client-dynamodb-streams";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { TableName, TableNames } from "@hearth/domain";
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from "aws-lambda";

/**
 * The logical table a Lambda stream record came from, read from its `eventSourceARN`
 * (`arn:aws:dynamodb:<region>:<account>:table/<physical name>/stream/<label>`); undefined
 * for a table these processors do not know.
 */
export function sourceTableOf(record: DynamoDBRecord, tables: TableNames): TableName | undefined {
  const physicalName = /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN ?? "")?.[1];
  if (!physicalName) return undefined;
  return (Object.keys(tables) as TableName[]).find((name) => tables[name] === physicalName);
}

/** A record's image as a plain object (Lambda delivers images in DynamoDB JSON). */
export function imageOf(
  record: DynamoDBRecord,
  which: "NewImage" | "OldImage",
): Record<string, unknown> | undefined {
  const image = record.dynamodb?.[which];
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}

function toLambdaAttributeValue(value: StreamsAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  return value as LambdaAttributeValue;
}

function toLambdaImage(image: Record<string, StreamsAttributeValue>): Record<string, LambdaAttributeValue>;
function toLambdaImage(
  image: Record<string, StreamsAttributeValue> | undefined,
): Record<string, LambdaAttributeValue> | undefined;
function toLambdaImage(
  image: Record<string, StreamsAttributeValue> | undefined,
): Record<string, LambdaAttributeValue> | undefined {
  if (!image) return undefined;
  return Object.fromEntries(
    Object.entries(image).map(([key, value]) => [key, toLambdaAttributeValue(value)]),
  );
}

/** Lambda leaves absent fields out of the JSON rather than sending them empty. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * A record read with the DynamoDB Streams API, in the shape Lambda's event source mapping
 * delivers it: binary values base64-encoded, the creation time in epoch seconds, and the
 * stream's ARN as `eventSourceARN`. Used by local stream pollers and tests.
 */
export function toLambdaStreamRecord(
  record: StreamsApiRecord,
  source: { eventSourceARN: string; awsRegion?: string },
): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return withoutUndefined({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: source.awsRegion ?? record.awsRegion,
    eventSourceARN: source.eventSourceARN,
    dynamodb: withoutUndefined({
      ApproximateCreationDateTime: created ? Math.floor(created.getTime() / 1000) : undefined,
      Keys: toLambdaImage(stream.Keys),
      NewImage: toLambdaImage(stream.NewImage),
      OldImage: toLambdaImage(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    }),
    userIdentity: record.userIdentity,
  });
}
