import { createServer, type Socket } from "node:net";

export * from "../dynamo/local-engine.js";

export interface StalledServer {
  endpoint: string;
  /** Connections accepted so far (one per SDK attempt). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP server that accepts every connection and never answers: a service that hangs, for
 * showing that clients give up within their time budget instead of waiting forever.
 */
export async function startStalledServer(): Promise<StalledServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("The stalled server has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
