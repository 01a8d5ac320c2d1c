import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { conditionFailedAt, isConditionFailure, itemAtCancellation } from "../dynamo/conditions.js";
import { type Page, type PageRequest, queryPage } from "../dynamo/query.js";
import { type TransactItem, transactWrite } from "../dynamo/transactions.js";
import { ttlAfter } from "../dynamo/ttl.js";
import { ConflictError, itemAtConditionFailure, toDomainError } from "../errors.js";
import {
  assertJobTransition,
  FINISHED_JOB_RETENTION_SECONDS,
  IllegalJobTransitionError,
  JOB_STATUSES,
  type Job,
  type JobCheckpoint,
  type JobError,
  type JobKind,
  type JobProgress,
  type JobStatus,
} from "../rules/jobs.js";
import { Repository } from "./context.js";

/**
 * The sort key of the marker item that says which job of `kind` is active (PENDING or
 * IN_PROGRESS) for a member. Job ids are ULIDs (digits and upper-case letters), so a marker
 * can never collide with one. Markers carry no `kind` or `status`, so the worker's stream
 * filter (an INSERT of a job of a kind) never matches them.
 */
export function activeJobMarkerId(kind: JobKind): string {
  return `active#${kind}`;
}

/** How often creation retries when the active job finished between its write and its read. */
const CREATE_ATTEMPTS = 5;

function toJob(item: Record<string, unknown>): Job {
  return {
    jobId: item.jobId as string,
    kind: item.kind as JobKind,
    userId: item.userId as string,
    requestedBy: item.requestedBy as string,
    status: item.status as JobStatus,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    progress: (item.progress as JobProgress | undefined) ?? {},
    ...(item.checkpoint ? { checkpoint: item.checkpoint as JobCheckpoint } : {}),
    ...(item.error ? { error: item.error as JobError } : {}),
    ...(item.result ? { result: item.result as Record<string, unknown> } : {}),
    ...(typeof item.expiresAt === "number" ? { expiresAt: item.expiresAt } : {}),
  };
}

function isJobItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return (
    !!item && typeof item.kind === "string" && (JOB_STATUSES as readonly unknown[]).includes(item.status)
  );
}

export class JobsRepository extends Repository {
  private get table(): string {
    return this.tables.Jobs;
  }

  /** A job of the member `userId`, or null (also for a marker's id or another member's job). */
  async get(userId: string, jobId: string): Promise<Job | null> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { userId, jobId }, ConsistentRead: true }),
      );
      return isJobItem(Item) ? toJob(Item) : null;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /**
   * The member's active job of `kind`, or a new PENDING one. Exactly one job is created under
   * any concurrency: the new job and the kind's marker item are put in one transaction, the
   * marker conditioned on not existing; when it exists, the job it names is returned. The
   * marker is removed in the same transaction that finishes its job.
   */
  async createOrGetActive(
    kind: JobKind,
    userId: string,
    requestedBy: string,
  ): Promise<{ job: Job; created: boolean }> {
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const now = this.timestamp();
      const job: Job = {
        jobId: this.newId(),
        kind,
        userId,
        requestedBy,
        status: "PENDING",
        createdAt: now,
        updatedAt: now,
        progress: {},
      };
      try {
        await transactWrite(this.doc, [
          {
            Put: {
              TableName: this.table,
              Item: { userId, jobId: activeJobMarkerId(kind), activeJobId: job.jobId, createdAt: now },
              ConditionExpression: "attribute_not_exists(jobId)",
              // The marker in the way comes back with the refusal: no read of it before the job's.
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Put: {
              TableName: this.table,
              // No empty `progress` map: the DynamoDB Streams API hands an empty map back as no
              // value at all, which the local pollers cannot unmarshall. Reads default it to {}.
              Item: { ...job, progress: undefined },
              ConditionExpression: "attribute_not_exists(jobId)",
            },
          },
        ]);
        return { job, created: true };
      } catch (error) {
        if (!conditionFailedAt(error, 0)) throw error;
        const marker = itemAtCancellation(error, 0);
        if (typeof marker?.activeJobId === "string") {
          const active = await this.activeJobById(userId, marker.activeJobId);
          if (active) return { job: active, created: false };
          continue;
        }
      }
      const active = await this.activeJob(kind, userId);
      if (active) return { job: active, created: false };
      // The active job finished (and its marker went) in between: try creating again.
    }
    throw new ConflictError("The member's jobs kept changing; try again");
  }

  /**
   * The member's active job of `kind`, or null: the marker, then the job it names (strongly
   * consistent). A request that usually finds one running reads this first, alongside its
   * other steps, and creates (createOrGetActive) only when there is none.
   */
  async activeJob(kind: JobKind, userId: string): Promise<Job | null> {
    let marker: Record<string, unknown> | undefined;
    try {
      ({ Item: marker } = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { userId, jobId: activeJobMarkerId(kind) },
          ConsistentRead: true,
        }),
      ));
    } catch (error) {
      throw toDomainError(error);
    }
    if (typeof marker?.activeJobId !== "string") return null;
    return this.activeJobById(userId, marker.activeJobId);
  }

  /**
   * Ends the member's active job of `kind`, if any, as FAILED with `error` (their account is
   * being deleted): a PENDING job is started first, since only a running job can fail. A job
   * that finishes meanwhile is left as it ended. True when this call ended one.
   */
  async cancelActive(kind: JobKind, userId: string, error: JobError): Promise<boolean> {
    const active = await this.activeJob(kind, userId);
    if (!active) return false;
    try {
      const running = active.status === "PENDING" ? await this.start(active) : active;
      await this.fail(running, error);
      return true;
    } catch (failure) {
      if (failure instanceof IllegalJobTransitionError) return false;
      throw failure;
    }
  }

  /** The job a marker names, while it is still running. */
  private async activeJobById(userId: string, jobId: string): Promise<Job | null> {
    const job = await this.get(userId, jobId);
    return job && !["COMPLETED", "FAILED"].includes(job.status) ? job : null;
  }

  /** One page of the member's jobs, oldest first (markers left out). */
  async listForUser(userId: string, page: PageRequest): Promise<Page<Job>> {
    const result = await queryPage<Record<string, unknown>>(
      this.doc,
      this.cursors,
      {
        tableName: this.table,
        keyAttributes: ["userId", "jobId"],
        partitionKey: { name: "userId", value: userId },
        scanIndexForward: true,
        filter: { expression: "attribute_exists(#kind)", names: { "#kind": "kind" } },
      },
      page,
    );
    return { items: result.items.map(toJob), nextCursor: result.nextCursor };
  }

  /** PENDING → IN_PROGRESS. */
  async start(job: Pick<Job, "userId" | "jobId">): Promise<Job> {
    return this.transition(job, "IN_PROGRESS", "PENDING", "SET #status = :to, #updatedAt = :now", {});
  }

  /** IN_PROGRESS → IN_PROGRESS with the progress so far and where a resumed run continues. */
  async checkpoint(
    job: Pick<Job, "userId" | "jobId">,
    progress: JobProgress,
    checkpoint: JobCheckpoint,
  ): Promise<Job> {
    return this.transition(
      job,
      "IN_PROGRESS",
      "IN_PROGRESS",
      "SET #status = :to, #updatedAt = :now, #progress = :progress, #checkpoint = :checkpoint",
      { ":progress": progress, ":checkpoint": checkpoint },
    );
  }

  /** IN_PROGRESS → COMPLETED with the result; the job expires 7 days later and the kind's marker goes. */
  async complete(job: Pick<Job, "userId" | "jobId" | "kind">, result: Record<string, unknown>): Promise<Job> {
    return this.finish(job, "COMPLETED", "SET #result = :outcome", { ":outcome": result });
  }

  /** IN_PROGRESS → FAILED with why; the job expires 7 days later and the kind's marker goes. */
  async fail(job: Pick<Job, "userId" | "jobId" | "kind">, error: JobError): Promise<Job> {
    return this.finish(job, "FAILED", "SET #error = :outcome", {
      ":outcome": { code: error.code, message: error.message },
    });
  }

  private names(): Record<string, string> {
    return { "#status": "status", "#updatedAt": "updatedAt" };
  }

  /** One conditional UpdateItem: the job must be in `from`; otherwise the refusal says where it was. */
  private async transition(
    job: Pick<Job, "userId" | "jobId">,
    to: JobStatus,
    from: JobStatus,
    updateExpression: string,
    values: Record<string, unknown>,
  ): Promise<Job> {
    assertJobTransition(from, to);
    const names: Record<string, string> = { ...this.names() };
    if (updateExpression.includes("#progress")) {
      names["#progress"] = "progress";
      names["#checkpoint"] = "checkpoint";
    }
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId: job.userId, jobId: job.jobId },
          UpdateExpression: updateExpression,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ":to": to, ":from": from, ":now": this.timestamp() },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return toJob(Attributes ?? {});
    } catch (error) {
      const current = itemAtConditionFailure(error);
      if (current !== undefined || isConditionFailure(error)) {
        throw new IllegalJobTransitionError(
          isJobItem(current) ? (current.status as JobStatus) : "missing",
          to,
        );
      }
      throw toDomainError(error);
    }
  }

  /** IN_PROGRESS → COMPLETED | FAILED and the marker's removal, in one transaction. */
  private async finish(
    job: Pick<Job, "userId" | "jobId" | "kind">,
    to: "COMPLETED" | "FAILED",
    setOutcome: string,
    values: Record<string, unknown>,
  ): Promise<Job> {
    assertJobTransition("IN_PROGRESS", to);
    const now = this.now();
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: { userId: job.userId, jobId: job.jobId },
          UpdateExpression: `${setOutcome}, #status = :to, #updatedAt = :now, #expiresAt = :expiresAt REMOVE #checkpoint`,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: {
            ...this.names(),
            "#expiresAt": "expiresAt",
            "#checkpoint": "checkpoint",
            ...(to === "COMPLETED" ? { "#result": "result" } : { "#error": "error" }),
          },
          ExpressionAttributeValues: {
            ...values,
            ":to": to,
            ":from": "IN_PROGRESS",
            ":now": now.toISOString(),
            ":expiresAt": ttlAfter(FINISHED_JOB_RETENTION_SECONDS, now),
          },
        },
      },
      {
        // Only this job's marker: a marker naming another job is left alone.
        Delete: {
          TableName: this.table,
          Key: { userId: job.userId, jobId: activeJobMarkerId(job.kind) },
          ConditionExpression: "attribute_not_exists(activeJobId) OR activeJobId = :jobId",
          ExpressionAttributeValues: { ":jobId": job.jobId },
        },
      },
    ];
    try {
      await transactWrite(this.doc, items);
    } catch (error) {
      if (conditionFailedAt(error, 0)) {
        const current = await this.get(job.userId, job.jobId);
        throw new IllegalJobTransitionError(current?.status ?? "missing", to);
      }
      throw error;
    }
    const finished = await this.get(job.userId, job.jobId);
    if (!finished) throw new IllegalJobTransitionError("missing", to);
    return finished;
  }
}
