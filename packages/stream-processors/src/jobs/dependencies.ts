import { JobsRepository, MemberDataReader, ProfilesRepository, type Repositories } from "@hearth/domain";
import type { BaseProcessorDependencies, PipelineDependencies } from "../dependencies.js";
import {
  coreProcessorDependenciesFromEnv,
  repositoriesFromEnv,
  repositoryContextFromEnv,
} from "../runtime.js";

/** The job workers' pipeline: everything but the idempotency store (the job record is theirs). */
export type JobPipelineDependencies = Omit<PipelineDependencies, "idempotency">;
/** A job worker's dependencies: its pipeline plus the repositories. */
export type JobProcessorDependencies = Omit<BaseProcessorDependencies, "idempotency">;

/** A job worker's dependencies from the environment: no idempotency store, the repositories. */
export function jobWorkerDependenciesFromEnv(env: NodeJS.ProcessEnv = process.env): JobProcessorDependencies {
  return { ...coreProcessorDependenciesFromEnv(env), repositories: repositoriesFromEnv(env) };
}

/** What the export worker reads and moves along: profiles, a member's data, jobs. */
export type ExportRepositories = Pick<Repositories, "profiles" | "memberData" | "jobs">;
export type ExportWorkerDependencies = JobPipelineDependencies & { repositories: ExportRepositories };

/** The export worker's dependencies: only the repositories it reads (the others stay out of its bundle). */
export function exportWorkerDependenciesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ExportWorkerDependencies {
  const context = repositoryContextFromEnv(env);
  return {
    ...coreProcessorDependenciesFromEnv(env),
    repositories: {
      profiles: new ProfilesRepository(context),
      memberData: new MemberDataReader(context),
      jobs: new JobsRepository(context),
    },
  };
}
