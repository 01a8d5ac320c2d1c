/**
 * A job that cannot succeed however often it is retried (e.g. the data it is about is in a
 * shape no run can handle): the worker records the job FAILED with this error's `code` and
 * `message`, both shown to the member, so the message must not carry anything secret. Any
 * other error a runner throws is taken as transient: the job stays IN_PROGRESS and the
 * stream's retry resumes it.
 */
export class PermanentJobError extends Error {
  override readonly name: string = "PermanentJobError";
  readonly code: string;

  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    this.code = options.code ?? "JOB_FAILED";
  }
}
