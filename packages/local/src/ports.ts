import { createServer } from "node:net";
import { UserFixableError } from "./errors.js";

export class PortInUseError extends UserFixableError {
  override readonly name = "PortInUseError";
}

/**
 * Fails at once, naming the variable that moves it, when something already listens on
 * `port` (an engine would otherwise fail late, or worse, a client would talk to the stranger).
 */
export function assertPortFree(host: string, port: number, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") {
        reject(
          new PortInUseError(
            `Port ${port} is already in use (${envVar}). Stop whatever listens there, or choose another port: ${envVar}=<port> pnpm dev`,
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
