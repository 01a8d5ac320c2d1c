import { connect, createServer, type Socket } from "node:net";

export interface StallProxy {
  /** The proxy's URL: point a client's endpoint here instead of at the engine. */
  endpoint: string;
  /**
   * From now on for `ms`, nothing a client sends reaches the engine. A request on a connection
   * already open is held and forwarded when the stall ends, even when its client gave up
   * meanwhile (its write lands late, as one stuck in a congested network does). A connection
   * opened during the stall is dropped at once (`unreachable`, the default: the engine can't
   * be reached) or accepted and held like the others (`slow`: the engine takes its time to
   * answer). Resolves when the stall is over.
   */
  stall(ms: number, newConnections?: "unreachable" | "slow"): Promise<void>;
  /** Requests' bytes held back so far (to see that a stall caught something). */
  heldChunks(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real engine (DynamoDB Local, a local SES) that can stall: the
 * fault a real engine can't produce on demand, injected on the wire rather than by mocking
 * the client, so SDK timeouts, retries and late-landing writes all behave as in production.
 */
export async function startStallProxy(target: string): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let stalledUntil = 0;
  let dropNewConnections = true;
  let held = 0;
  const waiting: (() => void)[] = [];

  const server = createServer((client) => {
    if (Date.now() < stalledUntil && dropNewConnections) {
      client.on("error", () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let queue: Buffer[] = [];
    const flush = () => {
      for (const chunk of queue) upstream.write(chunk);
      queue = [];
      if (client.destroyed) upstream.end();
    };
    client.on("data", (chunk: Buffer) => {
      if (Date.now() < stalledUntil) {
        held++;
        queue.push(chunk);
        waiting.push(flush);
      } else {
        flush();
        upstream.write(chunk);
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    // A client that gave up does not take its held request back: that still reaches the engine.
    client.on("close", () => {
      if (queue.length === 0) upstream.end();
      sockets.delete(client);
    });
    upstream.on("close", () => {
      client.destroy();
      sockets.delete(upstream);
    });
    client.on("error", () => {});
    upstream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("The stall proxy has no port");

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stall: async (ms, newConnections = "unreachable") => {
      stalledUntil = Date.now() + ms;
      dropNewConnections = newConnections === "unreachable";
      await new Promise((resolve) => setTimeout(resolve, ms));
      stalledUntil = 0;
      for (const flush of waiting.splice(0)) flush();
    },
    heldChunks: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
