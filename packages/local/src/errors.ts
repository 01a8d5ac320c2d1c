/**
 * A start-up problem the user fixes themselves (a taken port, a bad setting, an unreachable
 * DYNAMODB_ENDPOINT): shown as its one-line message, never as a stack trace.
 */
export class UserFixableError extends Error {
  override readonly name: string = "UserFixableError";
}
