import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Who a request to DynamoDB comes from: the API's and the WebSocket API's functions, which a
 * person waits on, or the stream pollers and processors, which catch up in the background.
 */
type DynamoLane = "interactive" | "background";

export interface DynamoGate {
  /** Where each lane's clients send their DynamoDB requests (DYNAMODB_ENDPOINT). */
  endpoints: Record<DynamoLane, string>;
  close(): Promise<void>;
}

/**
 * How many background requests DynamoDB Local is given at once. It runs every request against
 * one database file, its threads contending for its locks, so past a few requests at once it
 * answers no faster and each request waits behind all those ahead of it. On AWS each function's
 * calls meet a table that scales; locally, a burst's processors keep hundreds of calls in flight
 * (every record of a 25-record batch at once, in every subscription, each call holding one of up
 * to 50 sockets per client), and the API's calls, which someone is waiting on, queued behind them.
 */
const BACKGROUND_IN_FLIGHT = 8;

/**
 * A pass-through in front of DynamoDB Local: interactive requests go straight on, background
 * ones at most BACKGROUND_IN_FLIGHT at a time (the rest wait here, in order), so an API call
 * competes inside DynamoDB Local with a handful of background calls however far behind the
 * processors are. Requests and answers are passed on byte for byte (signatures included); a
 * waiting request whose client has gone is dropped without reaching DynamoDB Local.
 */
export async function startDynamoGate(
  target: string,
  host: string,
  backgroundInFlight = BACKGROUND_IN_FLIGHT,
): Promise<DynamoGate> {
  const targetUrl = new URL(target);
  const agents: Record<DynamoLane, Agent> = {
    interactive: new Agent({ keepAlive: true }),
    background: new Agent({ keepAlive: true, maxSockets: backgroundInFlight }),
  };
  const waitingBackground: Array<() => void> = [];
  let backgroundRunning = 0;

  const next = () => {
    while (backgroundRunning < backgroundInFlight) {
      const start = waitingBackground.shift();
      if (!start) return;
      backgroundRunning++;
      start();
    }
  };

  const forward = (
    lane: DynamoLane,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    done: () => void,
  ) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      done();
    };
    const upstream = request(
      {
        protocol: targetUrl.protocol,
        hostname: targetUrl.hostname,
        port: targetUrl.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent: agents[lane],
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.once("end", finish);
        answer.once("error", () => {
          outgoing.destroy();
          finish();
        });
      },
    );
    upstream.once("error", () => {
      // The client sees its connection end without an answer, as if DynamoDB Local's had.
      outgoing.destroy();
      finish();
    });
    outgoing.once("close", () => {
      if (!outgoing.writableFinished) upstream.destroy();
      finish();
    });
    incoming.pipe(upstream);
  };

  const serve = (lane: DynamoLane) =>
    createServer((incoming, outgoing) => {
      if (lane === "interactive") {
        forward(lane, incoming, outgoing, () => {});
        return;
      }
      let started = false;
      const start = () => {
        started = true;
        forward(lane, incoming, outgoing, () => {
          backgroundRunning--;
          next();
        });
      };
      // A client that gave up while waiting (its timeout) takes its place in the queue with it.
      outgoing.once("close", () => {
        if (started) return;
        const position = waitingBackground.indexOf(start);
        if (position >= 0) waitingBackground.splice(position, 1);
      });
      waitingBackground.push(start);
      next();
    });

  const servers = { interactive: serve("interactive"), background: serve("background") };
  const endpoints = {} as Record<DynamoLane, string>;
  for (const lane of ["interactive", "background"] as const) {
    const server: Server = servers[lane];
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    endpoints[lane] = `http://${host}:${(server.address() as AddressInfo).port}`;
  }
  return {
    endpoints,
    close: async () => {
      await Promise.all(
        Object.values(servers).map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      for (const agent of Object.values(agents)) agent.destroy();
    },
  };
}
