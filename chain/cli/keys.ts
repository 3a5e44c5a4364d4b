// `sensorchain keys add | list | show | import | delete`: the account keyring (Cosmos `keys`).
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { ACCOUNT_PREFIX, decodeAddress, encodeAddress } from "../crypto/bech32.ts";
import { toBase64 } from "../crypto/hash.ts";
import { generateMnemonic, type KeyInfo, normalizeMnemonic } from "../crypto/keyring.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";
import { confirm, promptLine, readStdin, stdinIsTerminal } from "./prompt.ts";

/** A mnemonic file holds 24 words; anything bigger is the wrong file. */
const MAX_MNEMONIC_FILE_BYTES = 4096;

/** `keys show --bech`: the SDK's address kinds, the same 20 bytes under the SDK's prefixes. */
const BECH_PREFIXES: Record<string, string> = {
  acc: ACCOUNT_PREFIX,
  val: `${ACCOUNT_PREFIX}valoper`,
  cons: `${ACCOUNT_PREFIX}valcons`,
};

/** The key's public key as the SDK's Any JSON: {"@type": "/cosmos.crypto.secp256k1.PubKey", "key"}. */
function pubKeyJson(key: KeyInfo): { "@type": string; key: string } {
  return { "@type": "/cosmos.crypto.secp256k1.PubKey", key: toBase64(key.pubKey) };
}

/** A key as `simd keys show -o json` prints it: `pubkey` is that JSON as a string, not an object. */
export function keyJson(key: KeyInfo): Record<string, unknown> {
  return { name: key.name, type: key.type, address: key.address, pubkey: JSON.stringify(pubKeyJson(key)) };
}

export const MNEMONIC_WARNING =
  "**Important** write this mnemonic phrase in a safe place.\n" +
  "It is the only way to recover your account if you ever forget your password.";

async function readMnemonic(source: string | undefined): Promise<string> {
  let text: string;
  if (source !== undefined && source !== "-") {
    let size: number;
    try {
      size = statSync(source).size;
    } catch {
      throw new CliError("file_not_found", `cannot read mnemonic file ${source}`);
    }
    if (size > MAX_MNEMONIC_FILE_BYTES)
      throw new CliError("invalid_mnemonic", `${source} is too large for a mnemonic file`);
    text = readFileSync(source, "utf8");
  } else if (stdinIsTerminal()) {
    text = await promptLine("Enter your bip39 mnemonic: ", true);
  } else {
    text = await readStdin();
  }
  return normalizeMnemonic(text);
}

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("manage account keys (secp256k1, BIP-39 / BIP-44 m/44'/118'/0'/0/0)");

  keys
    .command("add")
    .description("create a key from a new 24-word mnemonic (printed once), or recover one with --recover")
    .argument("<name>", "key name")
    .option("--recover", "read an existing mnemonic from stdin instead of generating one", false)
    .action(async (name: string, options: { recover: boolean }, command: Command) => {
      const context = commandContext(command);
      const keyring = context.keyring();
      if (keyring.has(name)) throw new CliError("key_exists", `key ${name} already exists`);
      const mnemonic = options.recover ? await readMnemonic(undefined) : generateMnemonic();
      const key = await keyring.addFromMnemonic(name, mnemonic);
      if (options.recover) {
        printOutput(keyJson(key), context.output);
      } else {
        process.stderr.write(`\n${MNEMONIC_WARNING}\n\n`);
        printOutput({ ...keyJson(key), mnemonic }, context.output);
      }
    });

  keys
    .command("import")
    .description("import a key from a file holding its mnemonic (or from stdin)")
    .argument("<name>", "key name")
    .argument("[mnemonic-file]", 'file with the mnemonic; "-" or none reads stdin')
    .action(async (name: string, file: string | undefined, _options: unknown, command: Command) => {
      const context = commandContext(command);
      const keyring = context.keyring();
      if (keyring.has(name)) throw new CliError("key_exists", `key ${name} already exists`);
      const key = await keyring.addFromMnemonic(name, await readMnemonic(file));
      printOutput(keyJson(key), context.output);
    });

  keys
    .command("list")
    .description("list all keys")
    .action((_options: unknown, command: Command) => {
      const context = commandContext(command);
      printOutput(context.keyring().list().map(keyJson), context.output);
    });

  keys
    .command("show")
    .description("show a key by name or address")
    .argument("<name>", "key name or address")
    .option("-a, --address", "print only the address", false)
    .option("-p, --pubkey", "print only the public key", false)
    .option("--bech <kind>", "address kind as the SDK names it: acc, val (operator) or cons", "acc")
    .action(
      (name: string, options: { address: boolean; pubkey: boolean; bech: string }, command: Command) => {
        const context = commandContext(command);
        const prefix = BECH_PREFIXES[options.bech];
        if (prefix === undefined)
          throw new CliError(
            "invalid_flag",
            `--bech must be acc, val or cons, got ${JSON.stringify(options.bech)}`,
          );
        const key = context.keyring().find(name);
        if (key === undefined)
          throw new CliError(
            "key_not_found",
            `key ${name} not found in the ${context.keyringBackend} keyring`,
          );
        const address = encodeAddress(decodeAddress(key.address), prefix);
        if (options.address) process.stdout.write(`${address}\n`);
        else if (options.pubkey) printOutput(pubKeyJson(key), context.output);
        else printOutput({ ...keyJson(key), address }, context.output);
      },
    );

  keys
    .command("delete")
    .description("delete a key (asks for confirmation unless --yes)")
    .argument("<name>", "key name")
    .option("-y, --yes", "skip the confirmation", false)
    .action(async (name: string, options: { yes: boolean }, command: Command) => {
      const context = commandContext(command);
      const keyring = context.keyring();
      const key = keyring.get(name);
      if (!options.yes && !(await confirm(`Delete key ${name} (${key.address})?`))) {
        throw new CliError("aborted", "aborted: key not deleted");
      }
      await keyring.delete(name);
      printOutput({ deleted: name, address: key.address }, context.output);
    });
}
