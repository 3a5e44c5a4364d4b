// The `sensorchain` command tree (commander): global flags and the verbs of each cli/*.ts file.
import { Command } from "commander";
import { registerAudit } from "./audit.ts";
import { PASSPHRASE_ENV } from "./context.ts";
import { registerDevice } from "./device.ts";
import { registerEscrow } from "./escrow.ts";
import { registerExport } from "./export.ts";
import { registerGenesis } from "./genesis.ts";
import { registerIdentity } from "./identity.ts";
import { registerInit } from "./init.ts";
import { registerKeys } from "./keys.ts";
import { registerLight } from "./light.ts";
import { registerMarket } from "./market.ts";
import { registerMeter } from "./meter.ts";
import { registerPoa } from "./poa.ts";
import { registerQuery } from "./query.ts";
import { registerReplay } from "./replay.ts";
import { registerStart } from "./start.ts";
import { registerTx } from "./tx.ts";

export const CLI_VERSION = "0.1.0";

export function createProgram(): Command {
  const program = new Command("sensorchain")
    .description("sensorchain node and client: a proof-of-authority appchain for IoT sensor data")
    .version(CLI_VERSION)
    .option("--home <dir>", "node home folder (default: $SENSORCHAIN_HOME, else ~/.sensorchain)")
    .option("-o, --output <format>", "output format: json or text (default from client.toml: json)")
    .option("--keyring-backend <backend>", "file (encrypted, default) or test (unencrypted, development)")
    .option(
      "--keyring-passphrase <passphrase>",
      `file keyring passphrase (else $${PASSPHRASE_ENV}, else a prompt)`,
    )
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) });
  registerInit(program);
  registerStart(program);
  registerGenesis(program);
  registerKeys(program);
  registerTx(program);
  registerQuery(program);
  registerDevice(program);
  registerPoa(program);
  registerEscrow(program);
  registerMeter(program);
  registerIdentity(program);
  registerMarket(program);
  registerLight(program);
  registerReplay(program);
  registerExport(program);
  registerAudit(program);
  return program;
}
