import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recoverCognitoState } from "../src/engines.js";
import { UserFixableError } from "../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "hearth-cognito-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// cognito-local's storage engine, as patched through the lockfile (stormdb's LocalEngine).
const cognitoLocal = dirname(createRequire(import.meta.url).resolve("cognito-local/package.json"));
const LocalEngine = createRequire(join(cognitoLocal, "package.json"))("stormdb/src/engine/local.js") as new (
  path: string,
  options?: { async?: boolean },
) => { init(): unknown; read(): unknown; write(data: unknown): Promise<void> | null };

describe("cognito-local's state files", () => {
  it("stay one whole document, the latest, after many overlapping writes", async () => {
    const file = join(dir, "pool.json");
    const engine = new LocalEngine(file, { async: true });
    engine.init();
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    // Each write carries a bigger document, as cognito-local's do while users are created at once.
    await Promise.all(
      users.map((_, i) => engine.write({ Users: users.slice(0, i + 1), padding: "x".repeat(i * 500) })),
    );
    const stored = JSON.parse(readFileSync(file, "utf8")) as { Users: string[] };
    expect(stored.Users).toEqual(users);
    expect(JSON.parse(readFileSync(`${file}.last-good`, "utf8")).Users).toHaveLength(39);
  });

  it("come back from the last good copy when a crash left the file missing", () => {
    const file = join(dir, "crashed.json");
    writeFileSync(`${file}.last-good`, JSON.stringify({ Users: ["kept"] }));
    const engine = new LocalEngine(file, { async: true });
    expect(engine.init()).toEqual({ Users: ["kept"] });
    expect(existsSync(file)).toBe(true);
  });

  it("are put back from their last good copy before cognito-local starts, or named with the way out", () => {
    const db = join(dir, "db");
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db, { recursive: true });
    const broken = join(db, "local_pool.json");
    writeFileSync(broken, '{"Users":{}}{"Users"');
    writeFileSync(`${broken}.last-good`, '{"Users":{"a":1}}');
    const warnings: string[] = [];
    recoverCognitoState(db, (line) => warnings.push(line));
    expect(JSON.parse(readFileSync(broken, "utf8"))).toEqual({ Users: { a: 1 } });
    expect(warnings[0]).toContain(broken);

    const hopeless = join(db, "clients.json");
    writeFileSync(hopeless, "{not json");
    expect(() => recoverCognitoState(db)).toThrow(UserFixableError);
    expect(() => recoverCognitoState(db)).toThrow(/clients\.json.*pnpm dev --reset/);
  });
});
