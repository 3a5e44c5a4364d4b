// `sensorchain`: the node and client command (verbs in chain/cli/). Any error ends the process with
// exit code 1 and one line on stderr; nothing is changed by a command that fails its checks.
import { CommanderError } from "commander";
import { createProgram } from "./cli/program.ts";

async function main(argv: string[]): Promise<number> {
  const program = (await createProgram(argv)).exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Error: ${message}\n`);
    if (process.env["SENSORCHAIN_DEBUG"] === "1" && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// cosmjs HTTP clients and prompts can leave handles open; a finished command must not hang.
process.exit(code);
