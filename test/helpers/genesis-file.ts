// Edits of a test home's genesis before its node starts (config/genesis.json, written back whole).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

// biome-ignore lint/suspicious/noExplicitAny: genesis JSON, edited field by field by the caller
export type GenesisJson = any;

/** Reads `<home>/config/genesis.json`, lets `edit` change it, writes it back. */
export async function editGenesis(home: string, edit: (genesis: GenesisJson) => void): Promise<void> {
  const path = join(home, "config/genesis.json");
  const genesis = JSON.parse(await readFile(path, "utf8"));
  edit(genesis);
  await writeFile(path, JSON.stringify(genesis, null, 2));
}

/** app_state.poa with `operator` operating the home's only validator (the one `init` made): it may
 * then sign poa txs, arbitrate market disputes and earn gateway shares. */
export function operateOnlyValidator(genesis: GenesisJson, operator: string, moniker: string): void {
  const [validator] = genesis.validators;
  genesis.app_state.poa = {
    validators: [
      {
        pub_key: validator.pub_key.value,
        power: validator.power,
        operator,
        moniker,
        node_id: "test-node",
      },
    ],
  };
}
