// `sensorchain export --height H [--output FILE]`: the state at height H as a genesis document with
// its app hash (chain/audit/export.ts states the guarantee). The node must be stopped.
//
// The program's global `-o/--output` is json|text; commander sees it anywhere on the line, so here a
// value other than json or text is the file to write the genesis document to.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { exportAtHeight } from "../audit/export.ts";
import { homePaths, resolveHome } from "../config.ts";
import { toHex } from "../crypto/hash.ts";
import type { GlobalOptions } from "./context.ts";
import { CliError } from "./errors.ts";

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("the state at a height in genesis format, with its app hash (node stopped)")
    .requiredOption("--height <height>", "state version to export (a committed height, not pruned)")
    .addHelpText("after", "\n  --output <file>  write the genesis document there (else it is printed)")
    .action(async (flags: { height: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (!/^[0-9]{1,19}$/.test(flags.height))
        throw new CliError("invalid_flag", `--height must be a height, got ${JSON.stringify(flags.height)}`);
      const home = homePaths(resolveHome(globals.home)).home;
      const file =
        globals.output === undefined || ["json", "text"].includes(globals.output)
          ? undefined
          : globals.output;
      const result = await exportAtHeight({ home, height: BigInt(flags.height) });
      const appHash = toHex(result.appHash).toUpperCase();
      if (file === undefined) {
        process.stdout.write(
          `${JSON.stringify({ height: String(result.height), app_hash: appHash, genesis: result.genesis }, null, 2)}\n`,
        );
        return;
      }
      await writeFile(resolve(file), `${JSON.stringify(result.genesis, null, 2)}\n`);
      process.stdout.write(
        `${JSON.stringify({ height: String(result.height), app_hash: appHash, output: resolve(file) }, null, 2)}\n`,
      );
    });
}
