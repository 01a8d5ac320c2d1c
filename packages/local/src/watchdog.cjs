// Stops the local stack's engines when the process that started them dies without cleaning up
// (kill -9, a crash, a closed terminal). It is told each engine's pid over IPC; when that
// channel disconnects it sends SIGTERM to the ones still registered, then SIGKILL.
"use strict";
const pids = new Set();
process.on("message", (message) => {
  if (message && message.type === "watch") pids.add(message.pid);
  if (message && message.type === "forget") pids.delete(message.pid);
});
// Ctrl-C reaches the whole process group; the owner decides, the watchdog only acts on its death.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
process.on("disconnect", () => {
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  setTimeout(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    process.exit(0);
  }, 3000).unref();
});
