// Preloaded (NODE_OPTIONS=--require) by test/cli/launcher.test.ts into the launcher and any child it
// starts: each process says which Node.js flags it runs with, on stderr.
process.stderr.write(`exec-argv ${JSON.stringify({ pid: process.pid, execArgv: process.execArgv })}\n`);
