// Preloaded (NODE_OPTIONS=--require) by test/cli/launcher.test.ts into the launcher and any child it
// starts: each process says which Node.js flags, glibc malloc arena limit and environment it runs
// with, on stderr.
process.stderr.write(
  `exec-argv ${JSON.stringify({ pid: process.pid, execArgv: process.execArgv, mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null, env: process.env })}\n`,
);
