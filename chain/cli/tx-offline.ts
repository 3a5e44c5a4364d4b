// The Cosmos SDK's offline signing flow: `tx <verb> … --generate-only` prints an unsigned tx,
// `tx sign <file> --from <key>` signs it (SIGN_MODE_DIRECT; account number and sequence from the node,
// or with --offline from --account-number/--sequence), `tx broadcast <file>` sends it, and
// `tx encode`/`tx decode` turn the JSON into the base64 TxRaw a node takes and back.
import type { Command } from "commander";
import type { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { writeFileAtomic } from "../config/files.ts";
import { fromBase64, STANDARD_BASE64 } from "../crypto/hash.ts";
import { type CommandContext, commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import {
  abciQueryBytes,
  type BroadcastResult,
  broadcastWithoutWaiting,
  findKey,
  MAX_UINT64,
  parseBroadcastMode,
  printDelivered,
  refusedError,
} from "./module-tx.ts";
import { printOutput } from "./output.ts";
import { resolveNode, rpcCall, withNode } from "./rpc-client.ts";
import { BROADCAST_POLL_INTERVAL_MS, NODE_OPTION } from "./tx.ts";

// tx-file.ts (through sdk-json.ts) loads cosmjs and every message type: imported when a verb runs,
// not when `tx --help` lists it.
const txFile = () => import("./tx-file.ts");

/** How long `tx broadcast` waits for its tx to be in a block (cosmjs' default for signAndBroadcast). */
const BROADCAST_TIMEOUT_MS = 60_000;

interface SignFlags {
  from: string;
  offline: boolean;
  accountNumber?: string;
  sequence?: string;
  chainId?: string;
  outputDocument?: string;
  node?: string;
}

function uint64Flag(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(text) || BigInt(text) > MAX_UINT64)
    throw new CliError(
      "invalid_flag",
      `${flag} must be an integer from 0 to 2^64-1, got ${JSON.stringify(text)}`,
    );
  return BigInt(text);
}

/** The chain id, account number and sequence to sign with: the flags, and what the node says for
 * what they leave out (never with --offline, which then needs them all). */
async function signerData(
  command: Command,
  context: CommandContext,
  address: string,
  flags: SignFlags,
): Promise<{ chainId: string; accountNumber: bigint; sequence: bigint }> {
  const accountNumber = uint64Flag(flags.accountNumber, "--account-number");
  const sequence = uint64Flag(flags.sequence, "--sequence");
  const chainId = flags.chainId ?? (context.client.chainId === "" ? undefined : context.client.chainId);
  if (flags.offline) {
    if (accountNumber === undefined || sequence === undefined)
      throw new CliError("invalid_flag", "--offline needs --account-number and --sequence: no node is asked");
    if (chainId === undefined)
      throw new CliError("invalid_flag", "--offline needs --chain-id (or chain-id in client.toml)");
    return { chainId, accountNumber, sequence };
  }
  const url = resolveNode(flags.node, context);
  return withNode(url, async () => {
    const status = (await rpcCall(url, "status", {})) as { node_info: { network: string } };
    const network = status.node_info.network;
    if (chainId !== undefined && chainId !== network)
      throw new CliError("wrong_chain", `the node at ${url} runs chain ${network}, not ${chainId}`);
    if (accountNumber !== undefined && sequence !== undefined)
      return { chainId: network, accountNumber, sequence };
    const auth = await import("cosmjs-types/cosmos/auth/v1beta1/query");
    const { BaseAccount } = await import("cosmjs-types/cosmos/auth/v1beta1/auth");
    let bytes: Uint8Array;
    try {
      ({ bytes } = await abciQueryBytes(
        command,
        url,
        "/cosmos.auth.v1beta1.Query/Account",
        auth.QueryAccountRequest.encode({ address }).finish(),
      ));
    } catch (error) {
      if (error instanceof CliError && error.code === "query_failed")
        throw new CliError(
          "account_not_found",
          `${address} has no account on chain ${network} (${error.message}); an account exists once it has received coins`,
        );
      throw error;
    }
    const account = auth.QueryAccountResponse.decode(bytes).account;
    if (account?.typeUrl !== "/cosmos.auth.v1beta1.BaseAccount")
      throw new CliError(
        "account_not_found",
        `${address} is a ${account?.typeUrl ?? "missing"} account, not a key's`,
      );
    const base = BaseAccount.decode(account.value);
    return {
      chainId: network,
      accountNumber: accountNumber ?? base.accountNumber,
      sequence: sequence ?? base.sequence,
    };
  });
}

/** Adds the key's signer info and its SIGN_MODE_DIRECT signature to an unsigned tx. */
async function signTx(
  tx: Tx,
  context: CommandContext,
  keyName: string,
  address: string,
  publicKey: Uint8Array,
  data: { chainId: string; accountNumber: bigint; sequence: bigint },
): Promise<Tx> {
  const { PubKey } = await import("cosmjs-types/cosmos/crypto/secp256k1/keys");
  const { SignMode } = await import("cosmjs-types/cosmos/tx/signing/v1beta1/signing");
  const { AuthInfo } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
  const { makeSignDoc } = await import("@cosmjs/proto-signing");
  const signed: Tx = {
    ...tx,
    authInfo: AuthInfo.fromPartial({
      ...tx.authInfo,
      signerInfos: [
        {
          publicKey: {
            typeUrl: "/cosmos.crypto.secp256k1.PubKey",
            value: PubKey.encode({ key: publicKey }).finish(),
          },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: data.sequence,
        },
      ],
    }),
  };
  const { bodyBytes, authInfoBytes } = (await txFile()).txSignedParts(signed);
  const wallet = await context.keyring().wallet(keyName);
  const { signature } = await wallet.signDirect(
    address,
    makeSignDoc(bodyBytes, authInfoBytes, data.chainId, data.accountNumber),
  );
  return { ...signed, signatures: [fromBase64(signature.signature)] };
}

async function signAction(file: string, flags: SignFlags, command: Command): Promise<void> {
  const context = commandContext(command);
  const { readTxFile, txJson } = await txFile();
  const tx = readTxFile(file);
  if ((tx.body?.messages.length ?? 0) === 0)
    throw new CliError("invalid_tx_file", `${file}: the tx has no messages`);
  if (tx.signatures.length > 0 || (tx.authInfo?.signerInfos.length ?? 0) > 0)
    throw new CliError(
      "already_signed",
      `${file} is already signed; sign the unsigned tx of --generate-only`,
    );
  const key = findKey(context, flags.from);
  const data = await signerData(command, context, key.address, flags);
  const signed = await signTx(tx, context, key.name, key.address, key.pubKey, data);
  const text = `${JSON.stringify(txJson(signed))}\n`;
  if (flags.outputDocument === undefined) process.stdout.write(text);
  else writeFileAtomic(flags.outputDocument, text);
}

async function broadcastAction(
  file: string,
  flags: { broadcastMode: string; node?: string },
  command: Command,
): Promise<BroadcastResult> {
  const context = commandContext(command);
  const mode = parseBroadcastMode(flags.broadcastMode);
  const { encodeTx, readTxFile } = await txFile();
  const tx = readTxFile(file);
  if (tx.signatures.length === 0)
    throw new CliError("unsigned_tx", `${file} has no signature; sign it first with \`tx sign\``);
  const bytes = encodeTx(tx);
  const url = resolveNode(flags.node, context);
  return withNode(url, async () => {
    if (mode !== "block") {
      const { TxRaw } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
      await broadcastWithoutWaiting(url, mode, TxRaw.decode(bytes), context);
      return { url, height: 0, sent: true };
    }
    const { StargateClient } = await import("@cosmjs/stargate");
    const client = await StargateClient.connect(url);
    try {
      const result = await client.broadcastTx(bytes, BROADCAST_TIMEOUT_MS, BROADCAST_POLL_INTERVAL_MS);
      printDelivered(result, context);
      return { url, height: result.height, sent: true };
    } catch (error) {
      throw refusedError(error);
    } finally {
      client.disconnect();
    }
  });
}

/** Adds `tx sign|broadcast|encode|decode` under the `tx` command, which must be registered first. */
export function registerOfflineTx(program: Command): void {
  const tx = program.commands.find((command) => command.name() === "tx");
  if (tx === undefined) throw new Error("the offline tx verbs need the tx command first");
  tx.command("sign")
    .description("sign a tx file (from --generate-only) with a keyring key; prints the signed tx JSON")
    .argument("<file>", "unsigned tx JSON")
    .requiredOption("--from <key>", "key name (or its address) in the keyring")
    .option("--offline", "ask no node: needs --account-number, --sequence and a chain id", false)
    .option("--account-number <n>", "the signer's account number (default: the node's)")
    .option("--sequence <n>", "the signer's sequence (default: the node's)")
    .option("--chain-id <id>", "chain to sign for (default: client.toml's; refused if the node runs another)")
    .option("--output-document <file>", "write the signed tx to this file instead of stdout")
    .option(...NODE_OPTION)
    .action(signAction);
  tx.command("broadcast")
    .description("broadcast a signed tx file (from `tx sign`)")
    .argument("<file>", "signed tx JSON")
    .option(
      "-b, --broadcast-mode <mode>",
      "block: wait for the tx's block; sync: return after CheckTx; async: return at once",
      "block",
    )
    .option(...NODE_OPTION)
    .action(async (file: string, flags: { broadcastMode: string; node?: string }, command: Command) => {
      await broadcastAction(file, flags, command);
    });
  tx.command("encode")
    .description("a tx JSON file as the base64 TxRaw bytes a node takes")
    .argument("<file>", "tx JSON")
    .action(async (file: string) => {
      const { encodeTx, readTxFile } = await txFile();
      process.stdout.write(`${Buffer.from(encodeTx(readTxFile(file))).toString("base64")}\n`);
    });
  tx.command("decode")
    .description("base64 TxRaw bytes as the tx's JSON")
    .argument("<base64>", "the tx bytes, as `tx encode` prints them")
    .action(async (text: string, _flags: object, command: Command) => {
      if (text === "" || !STANDARD_BASE64.test(text))
        throw new CliError(
          "invalid_tx_file",
          "the argument is not standard base64 (as `tx encode` prints it)",
        );
      const { decodeTx, txJson } = await txFile();
      printOutput(
        txJson(decodeTx(Buffer.from(text, "base64"), "the argument")),
        commandContext(command).output,
      );
    });
}
