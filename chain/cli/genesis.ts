// `sensorchain genesis add-account | validate`: edit and check config/genesis.json (Cosmos SDK
// `genesis` subcommands).
import { resolve } from "node:path";
import type { Command } from "commander";
import { addGenesisAccount, loadGenesis, saveGenesis } from "../../genesis/genesis.ts";
import { isValidAddress } from "../crypto/bech32.ts";
import { parseCoins } from "../types/coin.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";

export function registerGenesis(program: Command): void {
  const genesis = program.command("genesis").description("edit and check the genesis file");

  genesis
    .command("add-account")
    .description("fund an account in genesis (auth account + bank balance)")
    .argument("<address-or-key>", "bech32 sensor1… address, or the name of a key in the keyring")
    .argument("<coins>", 'coins, e.g. "1000000usensor" or "5usensor,10stake"')
    .option("--append", "add the coins to an account that already exists", false)
    .action((target: string, coinsText: string, options: { append: boolean }, command: Command) => {
      const context = commandContext(command);
      const coins = parseCoins(coinsText, "coins");
      let address = target;
      if (!isValidAddress(target)) {
        const key = context.keyring().find(target);
        if (key === undefined) {
          throw new CliError(
            "unknown_account",
            `${JSON.stringify(target)} is neither a sensor1… address nor a key in the ${context.keyringBackend} keyring`,
          );
        }
        address = key.address;
      }
      const current = loadGenesis(context.paths.genesisFile);
      const updated = addGenesisAccount(current.json, address, coins, { append: options.append });
      saveGenesis(context.paths.genesisFile, updated);
      const balance = updated.app_state.bank.balances.find((entry) => entry.address === address)!;
      printOutput({ address, coins: balance.coins, genesis_file: context.paths.genesisFile }, context.output);
    });

  genesis
    .command("validate")
    .description("check a genesis file (default: the home's config/genesis.json)")
    .argument("[file]", "genesis file to check")
    .action((file: string | undefined, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const path = file === undefined ? context.paths.genesisFile : resolve(file);
      const parsed = loadGenesis(path);
      printOutput(
        {
          valid: true,
          file: path,
          chain_id: parsed.chainId,
          validators: parsed.validators.length,
          accounts: parsed.modules.auth.accounts.length,
        },
        context.output,
      );
    });
}
