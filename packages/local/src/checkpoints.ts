import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

interface ShardCheckpoint {
  /** The last record handled (delivered, filtered out, or dead-lettered). */
  sequenceNumber?: string;
  /** Read to its end and fully handled. */
  finished?: boolean;
}

interface SubscriptionCheckpoints {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * Where each subscription has got to in each shard, like an event source mapping's
 * checkpoint: kept in a file so a restart resumes instead of redelivering the whole stream.
 * Without a file it lives in memory only.
 */
export class CheckpointStore {
  private readonly state: Record<string, SubscriptionCheckpoints>;

  constructor(private readonly file?: string) {
    this.state = file ? CheckpointStore.load(file) : {};
  }

  private static load(file: string): Record<string, SubscriptionCheckpoints> {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, SubscriptionCheckpoints>;
    } catch {
      return {};
    }
  }

  /** A subscription's shard checkpoints; a recreated table (new stream ARN) starts over. */
  shards(subscription: string, streamArn: string): Record<string, ShardCheckpoint> {
    const current = this.state[subscription];
    if (current?.streamArn === streamArn) return current.shards;
    this.state[subscription] = { streamArn, shards: {} };
    return this.state[subscription].shards;
  }

  advance(subscription: string, streamArn: string, shardId: string, sequenceNumber: string): void {
    const shards = this.shards(subscription, streamArn);
    shards[shardId] = { ...shards[shardId], sequenceNumber };
    this.save();
  }

  finish(subscription: string, streamArn: string, shardId: string): void {
    const shards = this.shards(subscription, streamArn);
    shards[shardId] = { ...shards[shardId], finished: true };
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.file);
  }
}
