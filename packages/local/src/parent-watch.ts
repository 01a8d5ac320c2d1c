import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The parent of `pid` (from /proc on Linux, `ps` elsewhere); 0 when it cannot be told. */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || 0;
  } catch {
    try {
      return Number(execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).trim()) || 0;
    } catch {
      return 0;
    }
  }
}

/** The processes above this one, nearest first, up to (not including) init. */
export function ancestorPids(): number[] {
  const ancestors: number[] = [];
  for (let pid = process.ppid; pid > 1 && ancestors.length < 64; pid = parentOf(pid)) ancestors.push(pid);
  return ancestors;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Calls `onGone` once when any of `pids` has exited. `pnpm dev` watches its launchers (pnpm,
 * the shell, a test runner): when one is killed without passing a signal on, the stack must
 * not live on as an orphan holding its ports.
 */
export function watchProcesses(pids: readonly number[], onGone: (pid: number) => void, intervalMs = 1000) {
  const timer = setInterval(() => {
    const gone = pids.find((pid) => !isAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
