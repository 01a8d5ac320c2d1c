import WebSocket from "ws";

/** A frame as it arrived, with when (performance.now()), for the benchmark's latencies. */
export interface ReceivedFrame {
  data: unknown;
  text: string;
  at: number;
}

/** The handshake was refused with an HTTP status instead of an upgrade. */
export class RefusedHandshake extends Error {
  constructor(readonly status: number) {
    super(`The WebSocket handshake was refused with ${status}`);
  }
}

/**
 * A client of the real-time channel as a browser would use it: `?token=` on the URL, JSON
 * frames. Every frame is kept, so a wait finds a push that arrived before it started; each
 * wait is bounded and names what it waited for when it gives up.
 */
export class PushSocket {
  readonly frames: ReceivedFrame[] = [];
  private readonly taken = new Set<ReceivedFrame>();
  private listeners: Array<() => void> = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (raw) => {
      const text = raw.toString();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        // Kept as text: a test may look at a non-JSON frame too.
      }
      this.frames.push({ data, text, at: performance.now() });
      this.notify();
    });
    socket.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Connects to `url` with `token` (omitted: no token at all); a refusal rejects with RefusedHandshake. */
  static open(url: string, token: string | undefined, timeoutMs = 10_000): Promise<PushSocket> {
    const target = new URL(url);
    if (token !== undefined) target.searchParams.set("token", token);
    const socket = new WebSocket(target, { handshakeTimeout: timeoutMs });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new PushSocket(socket)));
      socket.once("unexpected-response", (_request, response) => {
        response.resume();
        socket.terminate();
        reject(new RefusedHandshake(response.statusCode ?? 0));
      });
      socket.once("error", reject);
    });
  }

  /** The status a refused handshake answered with (fails if the connection was accepted). */
  static async refusal(url: string, token: string | undefined): Promise<number> {
    try {
      const accepted = await PushSocket.open(url, token);
      await accepted.close();
    } catch (error) {
      if (error instanceof RefusedHandshake) return error.status;
      throw error;
    }
    throw new Error("The handshake was accepted");
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /**
   * The first frame not yet taken that `matches`, waiting up to `timeoutMs` for it; it is
   * taken, so the next wait for the same kind finds the next one.
   */
  async next<T = Record<string, unknown>>(
    what: string,
    matches: (data: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<T & { receivedAt: number }> {
    const find = () =>
      this.frames.find(
        (frame) =>
          !this.taken.has(frame) &&
          typeof frame.data === "object" &&
          frame.data !== null &&
          matches(frame.data as Record<string, unknown>),
      );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = find();
      if (frame) {
        this.taken.add(frame);
        return { ...(frame.data as T), receivedAt: frame.at };
      }
      if (this.closed) {
        throw new Error(`The socket closed (${this.closed.code}) while waiting for ${what}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.frames.map((f) => f.text.slice(0, 120)).join("\n  ");
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; frames so far:\n  ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `message` and waits for the reply `matches` picks. */
  async request<T = Record<string, unknown>>(
    message: unknown,
    what: string,
    matches: (data: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<T & { receivedAt: number }> {
    this.send(message);
    return this.next<T>(what, matches, timeoutMs);
  }

  /** Resolves once the socket is closed (by either side), within `timeoutMs`. */
  async closedWithin(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`The socket was still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close(1000);
    await this.closedWithin().catch(() => this.socket.terminate());
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
