import { PhotoMarksRepository } from "@hearth/domain";
import { type FailureNotes, failureNotes } from "../failure-notes.js";
import { type IdempotencyStore, idempotencyStoreFromEnv, idempotentProcessor } from "../idempotency.js";
import type { StreamProcessorHandler } from "../pipeline.js";
import { processorIdentity } from "../processor-manifest.js";
import {
  type CoreProcessorDependencies,
  coreProcessorDependenciesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";
import { type AttachmentCleanerDependencies, createAttachmentCleaner } from "./cleanup.js";
import { attachmentsManifest } from "./manifest.js";
import { attachmentObjectsFromEnv } from "./s3-objects.js";

/**
 * Everything the attachments processor uses, part by part: the profiles' photo marks (to clear
 * a kept photo's mark) and no SES client; the only processor with the files bucket's delete rights.
 */
export type AttachmentsProcessorDependencies = CoreProcessorDependencies &
  FailureNotes &
  IdempotencyStore &
  AttachmentCleanerDependencies;

/** The attachments processor's parts from its environment (the bucket: `ATTACHMENTS_BUCKET`, `S3_ENDPOINT` locally). */
export function attachmentsProcessorDependencies(
  env: NodeJS.ProcessEnv = process.env,
): AttachmentsProcessorDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env, attachmentsManifest),
    ...failureNotes(context),
    ...idempotencyStoreFromEnv(env),
    attachmentObjects: attachmentObjectsFromEnv(env),
    photoMarks: new PhotoMarksRepository(context),
  };
}

export function createAttachmentsProcessor(deps: AttachmentsProcessorDependencies): StreamProcessorHandler {
  return idempotentProcessor(processorIdentity(attachmentsManifest), deps, createAttachmentCleaner(deps));
}

/** Builds the attachments processor from its environment; tests replace parts with `overrides`. */
export function buildAttachmentsProcessor(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AttachmentsProcessorDependencies> = {},
): StreamProcessorHandler {
  return createAttachmentsProcessor({ ...attachmentsProcessorDependencies(env), ...overrides });
}

export const attachmentsFunction = { manifest: attachmentsManifest, build: buildAttachmentsProcessor };
