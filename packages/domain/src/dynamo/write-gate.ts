import { AsyncLocalStorage } from "node:async_hooks";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * Lets a request read while the checks that may still refuse it (a rate limit, an
 * idempotency record) are in flight, and write only once they have admitted it: inside
 * `writesAfter(gate, work)`, every write `work` sends through a gated document client waits
 * for `gate`, and fails with the gate's error when the gate rejects, so a refused request
 * writes nothing. Reads are sent at once. Outside `writesAfter` the client is unchanged.
 */
const currentGate = new AsyncLocalStorage<Promise<unknown>>();

// The low-level commands the document client's commands send (its middleware sees those).
const WRITE_COMMANDS = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "BatchWriteItemCommand",
  "TransactWriteItemsCommand",
]);

// By middleware stack, not client: a wrapper of a client (a proxy in a fault test) shares its stack.
const gated = new WeakSet<object>();

/** Makes `doc`'s writes wait for the gate of the `writesAfter` they are sent in (once per client). */
export function gateWrites(doc: DynamoDBDocumentClient): void {
  if (gated.has(doc.middlewareStack)) return;
  gated.add(doc.middlewareStack);
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const gate = currentGate.getStore();
      if (gate && WRITE_COMMANDS.has(String(context.commandName))) await gate;
      return next(args);
    },
    // Before every other step: a write waiting for its gate is not yet a call in flight.
    { step: "initialize", priority: "high", name: "hearthWriteGate" },
  );
}

/** Runs `work` with its writes held until `gate` resolves (see `gateWrites`). */
export function writesAfter<T>(gate: Promise<unknown>, work: () => Promise<T>): Promise<T> {
  // A gate nobody writes behind must not turn into an unhandled rejection.
  gate.catch(() => {});
  return currentGate.run(gate, work);
}
