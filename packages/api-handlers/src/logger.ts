import { Logger } from "@aws-lambda-powertools/logger";

const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const;
type LogLevelName = (typeof LOG_LEVELS)[number];

/** The API's and the WebSocket functions' logger at `LOG_LEVEL` (INFO when unset or unknown). */
export function createApiLogger(logLevel: string | undefined = "INFO"): Logger {
  const level = logLevel.toUpperCase();
  return new Logger({
    serviceName: "hearth-api",
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevelName) : "INFO",
  });
}
