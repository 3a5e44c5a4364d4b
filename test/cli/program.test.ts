// The command tree built for a command line (chain/cli/program.ts imports only the files of the
// verbs it names): every command reachable in the full tree is there, with the same help, when it
// is named; and a command line that names one file's verb loads that file alone.

import test from "ava";
import type { Command } from "commander";
import { createProgram } from "../../chain/cli/program.ts";

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [path, ...commandPaths(sub, path)];
  });
}

function find(program: Command, path: readonly string[]): Command | undefined {
  let command: Command | undefined = program;
  for (const name of path) command = command?.commands.find((sub) => sub.name() === name);
  return command;
}

const topLevel = (program: Command) => program.commands.map((command) => command.name());

// Serial: two trees built at once would import the same files in parallel.
test.serial("every command, named on the command line, has the full tree's help", async (t) => {
  const full = await createProgram();
  const paths = commandPaths(full);
  t.true(paths.length > 50, "the full tree has every verb");
  t.is((await createProgram([])).helpInformation(), full.helpInformation());
  for (const path of paths) {
    const expected = find(full, path)!.helpInformation();
    for (const argv of [path, ["--home", "/tmp/x", "-o", "text", ...path, "--help"]]) {
      const program = await createProgram(argv);
      t.is(find(program, path)?.helpInformation(), expected, argv.join(" "));
    }
  }
});

test.serial(
  "a verb's file loads alone; an alias, a verb under tx or query, or an unknown word load what it may name",
  async (t) => {
    t.deepEqual(topLevel(await createProgram(["keys", "list", "--help"])), ["keys"]);
    t.deepEqual(topLevel(await createProgram(["--home", "h", "keys", "show", "k"])), ["keys"]);
    t.deepEqual(topLevel(await createProgram(["tx", "bank", "send", "a", "b", "1usensor"])), ["tx"]);
    t.deepEqual(topLevel(await createProgram(["genesis", "add-account", "a", "1usensor"])), ["genesis"]);
    const deviceQuery = await createProgram(["q", "device", "show", "D035_0001"]);
    t.deepEqual(topLevel(deviceQuery), ["tx", "query", "status"]);
    t.deepEqual(
      find(deviceQuery, ["query"])!.commands.map((command) => command.name()),
      ["bank", "block", "tx", "auth", "txs", "device"],
    );
    const full = topLevel(await createProgram());
    t.deepEqual(topLevel(await createProgram(["no-such-verb"])), full);
    t.deepEqual(topLevel(await createProgram(["--help"])), full);
  },
);
