import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startDynamoGate } from "../src/dynamodb-gate.js";

// A stand-in for DynamoDB Local that answers only when told: what reaches it, and when, is the contract.
const held: Array<{ body: string; answer: ServerResponse }> = [];
const target = createServer((request, answer) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on("end", () => held.push({ body, answer }));
});
await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
const gate = await startDynamoGate(
  `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
  "127.0.0.1",
  2,
);

afterAll(async () => {
  await gate.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

const post = (endpoint: string, body: string) =>
  fetch(endpoint, { method: "POST", body, headers: { "X-Amz-Target": "DynamoDB_20120810.GetItem" } }).then(
    async (response) => ({ status: response.status, body: await response.text() }),
  );
const reached = async (count: number) => {
  for (let i = 0; i < 100 && held.length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return held.map((request) => request.body);
};
const answer = (body: string) => {
  const index = held.findIndex((request) => request.body === body);
  const [request] = held.splice(index, 1);
  request!.answer.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" }).end(`answer to ${body}`);
};

describe("the DynamoDB gate", () => {
  it("lets a few background requests through at once, in order, and interactive ones past them", async () => {
    const background = ["b1", "b2", "b3", "b4"].map((body) => post(gate.endpoints.background, body));
    expect(await reached(2)).toEqual(["b1", "b2"]);
    const interactive = post(gate.endpoints.interactive, "i1");
    expect(await reached(3)).toEqual(["b1", "b2", "i1"]);
    answer("i1");
    expect(await interactive).toEqual({ status: 200, body: "answer to i1" });
    answer("b1");
    expect(await reached(2)).toEqual(["b2", "b3"]);
    for (const body of ["b2", "b3"]) answer(body);
    expect(await reached(1)).toEqual(["b4"]);
    answer("b4");
    expect((await Promise.all(background)).map((result) => result.body)).toEqual([
      "answer to b1",
      "answer to b2",
      "answer to b3",
      "answer to b4",
    ]);
  });
});
