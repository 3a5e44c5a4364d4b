// The `sensorchain` CLI as real child processes against a real node, for the module CLI tests: a
// home from `init` whose validator the faucet operates (with genesis edits a test needs), keys in its
// test keyring, txs with a fixed fee that must succeed or be refused with a given code, and queries
// whose JSON is returned.
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import type { ExecutionContext } from "ava";
import { editGenesis, type GenesisJson, operateOnlyValidator } from "../helpers/genesis-file.ts";
import {
  CHAIN_ID,
  cli,
  createTestHome,
  DENOM,
  FAUCET_MNEMONIC,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sensorchain <args>` with `input` on stdin (node-process.ts `cli`), a failure included. */
export async function runCli(args: string[], input = ""): Promise<CliRun> {
  try {
    const { stdout, stderr } = await cli(args, { input });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? "",
    };
  }
}

export interface CliAccount {
  name: string;
  address: string;
  mnemonic: string;
}

/** A fresh account (12 words), not yet in any keyring. */
export async function newCliAccount(name: string): Promise<CliAccount> {
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const [account] = await wallet.getAccounts();
  return { name, address: account!.address, mnemonic: wallet.mnemonic };
}

/** A real node whose only validator the faucet operates, and the CLI pointed at it. */
export class CliNode {
  readonly home: TestHome;
  readonly node: NodeProcess;
  readonly faucet: CliAccount;

  private constructor(home: TestHome, node: NodeProcess, faucet: CliAccount) {
    this.home = home;
    this.node = node;
    this.faucet = faucet;
  }

  /** `accounts` are funded in genesis and recovered into the test keyring under their names (the
   * faucet as "faucet"); `edit` may change the genesis document before the node starts. */
  static async start(
    accounts: readonly CliAccount[],
    edit: (genesis: GenesisJson) => void = () => {},
  ): Promise<CliNode> {
    const home = await createTestHome(
      accounts.map((account) => ({ address: account.address, coins: `1000000000${DENOM}` })),
    );
    try {
      const faucet = { name: "faucet", address: home.faucetAddress, mnemonic: FAUCET_MNEMONIC };
      await editGenesis(home.home, (genesis) => {
        operateOnlyValidator(genesis, faucet.address, "faucet-validator");
        edit(genesis);
      });
      for (const account of [faucet, ...accounts]) {
        const added = await runCli(
          ["keys", "add", account.name, "--recover", "--home", home.home, "--keyring-backend", "test"],
          account.mnemonic,
        );
        if (added.code !== 0) throw new Error(`keys add ${account.name}: ${added.stderr}`);
      }
      return new CliNode(home, await startNodeProcess(home.home), faucet);
    } catch (error) {
      await home.remove();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.node.stop();
    await this.home.remove();
  }

  #run(args: string[]): Promise<CliRun> {
    return runCli([
      ...args,
      "--home",
      this.home.home,
      "--keyring-backend",
      "test",
      "--node",
      this.node.rpcUrl,
    ]);
  }

  /** `sensorchain query <args>`: its JSON; throws when it exits non-zero. */
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON output, read field by field by the caller
  async query(args: string[]): Promise<any> {
    const result = await this.#run(["query", ...args]);
    if (result.code !== 0) throw new Error(`sensorchain query ${args.join(" ")}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  /** `sensorchain tx <args> --fees … -y`, asserted to commit with code 0; its JSON (events included). */
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON output, read field by field by the caller
  async tx(t: ExecutionContext, args: string[]): Promise<any> {
    const result = await this.#run(["tx", ...args, "--fees", "20000usensor", "--gas", "400000", "-y"]);
    t.is(result.code, 0, `sensorchain tx ${args.join(" ")}: ${result.stderr}`);
    return result.code === 0 ? JSON.parse(result.stdout) : undefined;
  }

  /** `sensorchain tx <args>` asserted to be refused by the CLI itself (before anything is signed),
   * with an error matching `message`. */
  async refusedByCli(t: ExecutionContext, args: string[], message: RegExp): Promise<void> {
    const result = await this.#run(["tx", ...args, "--fees", "20000usensor", "--gas", "400000", "-y"]);
    t.is(result.code, 1, `sensorchain tx ${args.join(" ")} should fail`);
    t.regex(result.stderr, message);
    t.is(result.stdout, "", "no tx result: nothing was broadcast");
  }

  /** `sensorchain tx <args>` asserted to fail with `code` (the module's error code) and a message
   * naming it; returns stderr. */
  async refused(t: ExecutionContext, args: string[], code: number, codespace: string): Promise<string> {
    const result = await this.#run(["tx", ...args, "--fees", "20000usensor", "--gas", "400000", "-y"]);
    t.is(result.code, 1, `sensorchain tx ${args.join(" ")} should fail`);
    const shown = /with code (\d+)|\(code (\d+), ([a-z]+)\)/.exec(result.stderr);
    t.truthy(shown, `a coded refusal: ${result.stderr}`);
    t.is(Number(shown?.[1] ?? shown?.[2]), code, `${args.join(" ")}: ${result.stderr}`);
    if (shown?.[3] !== undefined) t.is(shown[3], codespace);
    return result.stderr;
  }
}

export { CHAIN_ID, DENOM };
