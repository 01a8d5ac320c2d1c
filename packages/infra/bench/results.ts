import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../src/paths.js";

/** Where benchmark results go (gitignored: timings depend on the machine). */
export const RESULTS_DIR = join(REPO_ROOT, "packages", "infra", "bench", "results");

/** What the numbers were measured on, so two result files can be compared fairly. */
export function machineInfo() {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? "unknown",
    cpuCount: cpus().length,
    commit: gitCommit(),
  };
}

function gitCommit(): string | null {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const dirty = execFileSync("git", ["status", "--porcelain"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return `${commit.trim()}${dirty ? "+uncommitted" : ""}`;
  } catch {
    return null;
  }
}

/** Writes `<name>-<timestamp>.json` and `<name>-latest.json`; returns the timestamped path. */
export async function writeResult(name: string, result: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  await writeFile(path, text);
  await writeFile(join(RESULTS_DIR, `${name}-latest.json`), text);
  return path;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `--name value` from the command line, as a positive integer. */
export function intOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** A plain-text table: the first `leftColumns` columns left-aligned, the others (numbers) right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  leftColumns = 1,
): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column < leftColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join("  ")
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

/** A budget is over: the run fails, unless `--report` asks for the report alone (while measuring a change). */
export function failOverBudget(): void {
  if (process.argv.includes("--report")) console.error("(--report: over budget is reported, not failed)");
  else process.exitCode = 1;
}
