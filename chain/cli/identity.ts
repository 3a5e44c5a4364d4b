// The identity module on the command line:
//   sensorchain identity encrypt <profile.json> --out <blob>      encrypt a profile (client side only)
//   sensorchain identity login <from>                             prove the address, fetch, decrypt
//   sensorchain tx identity register <from> <blob> --sector S     mint the token, then upload the blob
//   sensorchain tx identity update-profile <from> <blob>          point the token at a new blob
//   sensorchain tx identity verify|revoke <from> <token-id> …     consortium operator votes
//   sensorchain tx identity transfer <from> <token-id> <to>       always refused (soulbound)
//   sensorchain query identity token|by-owner|by-cid|list|votes|params
//   sensorchain genesis add-identity-operator <address> [--power] consortium operator in genesis
// The company's secret comes from --secret-file, $SENSORCHAIN_IDENTITY_SECRET or a hidden prompt:
// never a flag (it would show in the process list) and never sent anywhere.
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  createLoginChallenge,
  decryptProfile,
  encryptProfile,
  LoginError,
  login,
  MSG_REGISTER_COMPANY,
  MSG_REVOKE_IDENTITY,
  MSG_TRANSFER_IDENTITY,
  MSG_UPDATE_PROFILE,
  MSG_VERIFY_COMPANY,
  ProfileError,
  identity as pb,
  profileCid,
  QUERY_IDENTITY_PARAMS,
  QUERY_IDENTITY_TOKEN,
  QUERY_IDENTITY_TOKEN_BY_CID,
  QUERY_IDENTITY_TOKEN_BY_OWNER,
  QUERY_IDENTITY_TOKENS,
  QUERY_IDENTITY_VOTES,
  rpcIdentitySource,
  signLoginChallenge,
  uploadProfileBlob,
} from "../../client/identity.ts";
import { loadGenesis, saveGenesis } from "../../genesis/genesis.ts";
import { SECTOR_CODE_PATTERN } from "../../modules/identity/keys.ts";
import { toLong } from "../../proto/canonical.ts";
import { isValidAddress } from "../crypto/bech32.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  findKey,
  NODE_OPTION,
  pagedQuery,
  printQuery,
  queryAction,
  type TxFlags,
  txOptions,
} from "./module-tx.ts";
import { printOutput } from "./output.ts";
import { promptLine, stdinIsTerminal } from "./prompt.ts";
import { checkAddress } from "./query.ts";
import { resolveNode, withNode } from "./rpc-client.ts";

export const SECRET_ENV = "SENSORCHAIN_IDENTITY_SECRET";
/** How long a login challenge made by the CLI is accepted (it signs and checks it at once). */
const CLI_CHALLENGE_MAX_AGE_MS = 5 * 60_000;

interface SecretFlags {
  secretFile?: string;
}

async function readSecret(flags: SecretFlags, confirmNew: boolean): Promise<string> {
  if (flags.secretFile !== undefined) return (await readFile(flags.secretFile, "utf8")).replace(/\r?\n$/, "");
  const fromEnv = process.env[SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!stdinIsTerminal())
    throw new CliError("no_secret", `the profile secret is needed: pass --secret-file or set $${SECRET_ENV}`);
  const secret = await promptLine("Company secret: ", true);
  if (confirmNew && (await promptLine("Repeat the secret: ", true)) !== secret)
    throw new CliError("secret_mismatch", "the secrets do not match");
  return secret;
}

function parseTokenId(text: string): bigint {
  if (!/^[1-9][0-9]{0,19}$/.test(text) || BigInt(text) >= 2n ** 64n)
    throw new CliError(
      "invalid_token_id",
      `token id must be a positive integer, got ${JSON.stringify(text)}`,
    );
  return BigInt(text);
}

async function readBlob(file: string): Promise<{ blob: Uint8Array; cid: string }> {
  const blob = new Uint8Array(await readFile(file));
  return { blob, cid: await profileCid(blob) };
}

function registerIdentityTx(tx: Command): void {
  const identity = tx.command("identity").description("identity module transactions");
  txOptions(
    identity
      .command("register")
      .description("mint the signer's company identity token for an encrypted profile, then upload the blob")
      .argument("<from>", "key name (or its address) in the keyring: the company address")
      .argument("<blob-file>", "encrypted profile made with `sensorchain identity encrypt`")
      .requiredOption("--sector <code>", "company sector code, e.g. D035"),
  ).action(async (from: string, file: string, flags: TxFlags & { sector: string }, command: Command) => {
    if (!SECTOR_CODE_PATTERN.test(flags.sector))
      throw new CliError(
        "invalid_sector",
        `--sector must be 4 characters such as D035, got ${JSON.stringify(flags.sector)}`,
      );
    const { blob, cid } = await readBlob(file);
    const { url, sent } = await broadcastMsgs(
      command,
      from,
      flags,
      `register company profile ${cid}`,
      (owner) => [{ typeUrl: MSG_REGISTER_COMPANY, value: { owner, profileCid: cid, sector: flags.sector } }],
    );
    // The node stores a blob only once a token names its CID: not after --dry-run or --generate-only.
    if (!sent) return;
    await withNode(url, () => uploadProfileBlob(url, cid, blob));
    process.stderr.write(`uploaded blob ${cid} (${blob.length} bytes)\n`);
  });
  txOptions(
    identity
      .command("update-profile")
      .description("point the signer's token at a new encrypted profile, then upload the blob")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<blob-file>", "encrypted profile made with `sensorchain identity encrypt`"),
  ).action(async (from: string, file: string, flags: TxFlags, command: Command) => {
    const { blob, cid } = await readBlob(file);
    const { url, sent } = await broadcastMsgs(
      command,
      from,
      flags,
      `update company profile to ${cid}`,
      (owner) => [{ typeUrl: MSG_UPDATE_PROFILE, value: { owner, profileCid: cid } }],
    );
    if (!sent) return;
    await withNode(url, () => uploadProfileBlob(url, cid, blob));
    process.stderr.write(`uploaded blob ${cid} (${blob.length} bytes)\n`);
  });
  txOptions(
    identity
      .command("verify")
      .description("vote, as a consortium operator, to mark a company verified (passes at > 2/3 of power)")
      .argument("<from>", "the operator's key")
      .argument("<token-id>", "identity token id"),
  ).action(async (from: string, idText: string, flags: TxFlags, command: Command) => {
    const tokenId = toLong(parseTokenId(idText));
    await broadcastMsgs(command, from, flags, `vote to verify identity token ${idText}`, (operator) => [
      { typeUrl: MSG_VERIFY_COMPANY, value: { operator, tokenId } },
    ]);
  });
  txOptions(
    identity
      .command("revoke")
      .description("vote, as a consortium operator, to revoke a company identity for good (> 2/3 of power)")
      .argument("<from>", "the operator's key")
      .argument("<token-id>", "identity token id")
      .argument("<reason>", "why (public, at most 256 bytes)"),
  ).action(async (from: string, idText: string, reason: string, flags: TxFlags, command: Command) => {
    const tokenId = toLong(parseTokenId(idText));
    await broadcastMsgs(command, from, flags, `vote to revoke identity token ${idText}`, (operator) => [
      { typeUrl: MSG_REVOKE_IDENTITY, value: { operator, tokenId, reason } },
    ]);
  });
  txOptions(
    identity
      .command("transfer")
      .description("identity tokens are soulbound: the chain refuses this with code 12 (identity)")
      .argument("<from>", "key name")
      .argument("<token-id>", "identity token id")
      .argument("<recipient>", "sensor1… address"),
  ).action(async (from: string, idText: string, recipient: string, flags: TxFlags, command: Command) => {
    const tokenId = toLong(parseTokenId(idText));
    checkAddress(recipient, "recipient");
    await broadcastMsgs(command, from, flags, `transfer identity token ${idText}`, (owner) => [
      { typeUrl: MSG_TRANSFER_IDENTITY, value: { owner, tokenId, recipient } },
    ]);
  });
}

function registerIdentityQuery(query: Command): void {
  const identity = query.command("identity").description("identity module queries");
  const show = (path: string, request: Uint8Array) => queryAction(path, pb.QueryTokenResponse, () => request);
  identity
    .command("token")
    .description("one identity token by id")
    .argument("<token-id>", "token id")
    .option(...NODE_OPTION)
    .action((id: string, flags: { node?: string }, command: Command) =>
      show(QUERY_IDENTITY_TOKEN, pb.QueryTokenRequest.encode({ tokenId: toLong(parseTokenId(id)) }).finish())(
        flags,
        command,
      ),
    );
  identity
    .command("by-owner")
    .description("the identity token of an address")
    .argument("<owner>", "sensor1… address")
    .option(...NODE_OPTION)
    .action((owner: string, flags: { node?: string }, command: Command) => {
      checkAddress(owner, "owner");
      return show(QUERY_IDENTITY_TOKEN_BY_OWNER, pb.QueryTokenByOwnerRequest.encode({ owner }).finish())(
        flags,
        command,
      );
    });
  identity
    .command("by-cid")
    .description("the identity token whose profile has this CID")
    .argument("<cid>", "CIDv1 (bafkrei…)")
    .option(...NODE_OPTION)
    .action((cid: string, flags: { node?: string }, command: Command) =>
      show(QUERY_IDENTITY_TOKEN_BY_CID, pb.QueryTokenByCidRequest.encode({ cid }).finish())(flags, command),
    );
  pagedQuery(
    identity,
    { name: "list", description: "all identity tokens in id order", what: "tokens" },
    QUERY_IDENTITY_TOKENS,
    (_, page) => pb.QueryTokensRequest.encode({ pagination: page }).finish(),
    pb.QueryTokensResponse,
  );
  identity
    .command("votes")
    .description("pending consortium votes on a token")
    .argument("<token-id>", "token id")
    .option(...NODE_OPTION)
    .action(async (id: string, flags: { node?: string }, command: Command) => {
      const request = pb.QueryVotesRequest.encode({ tokenId: toLong(parseTokenId(id)) }).finish();
      await printQuery(command, flags.node, QUERY_IDENTITY_VOTES, request, pb.QueryVotesResponse);
    });
  identity
    .command("params")
    .description("identity params (the consortium operators while no poa module supplies them)")
    .option(...NODE_OPTION)
    .action(async (flags: { node?: string }, command: Command) => {
      await printQuery(command, flags.node, QUERY_IDENTITY_PARAMS, new Uint8Array(0), pb.QueryParamsResponse);
    });
}

function registerIdentityClient(program: Command): void {
  const identity = program.command("identity").description("company identity: encrypt a profile, log in");
  identity
    .command("encrypt")
    .description('encrypt a company profile (JSON with at least "name") with a secret only the company holds')
    .argument("<profile-json>", "profile file")
    .requiredOption("--out <file>", "where to write the encrypted blob")
    .option("--secret-file <file>", `file holding the secret (else $${SECRET_ENV}, else a prompt)`)
    .action(async (file: string, flags: SecretFlags & { out: string }, command: Command) => {
      const context = commandContext(command);
      let profile: unknown;
      try {
        profile = JSON.parse(await readFile(file, "utf8"));
      } catch (error) {
        throw new CliError("invalid_profile", `${file} is not JSON: ${(error as Error).message}`);
      }
      const secret = await readSecret(flags, true);
      let blob: Uint8Array;
      try {
        blob = await encryptProfile(profile as never, secret);
        // Decrypt once before anything is written: a blob its company cannot open is worse than none.
        await decryptProfile(blob, secret);
      } catch (error) {
        if (error instanceof ProfileError) throw new CliError(error.code, error.message);
        throw error;
      }
      await writeFile(flags.out, blob);
      printOutput({ cid: await profileCid(blob), bytes: blob.length, out: flags.out }, context.output);
    });
  identity
    .command("login")
    .description(
      "prove the key's address (signed challenge), fetch the token's profile, check and decrypt it",
    )
    .argument("<from>", "key name (or its address) in the keyring: the company address")
    .option("--secret-file <file>", `file holding the secret (else $${SECRET_ENV}, else a prompt)`)
    .option(...NODE_OPTION)
    .action(async (from: string, flags: SecretFlags & { node?: string }, command: Command) => {
      const context = commandContext(command);
      const key = findKey(context, from);
      const url = resolveNode(flags.node, context);
      const { Secp256k1Wallet } = await import("@cosmjs/amino");
      const signer = await Secp256k1Wallet.fromKey(await context.keyring().privateKey(key.name), "sensor");
      const secret = await readSecret(flags, false);
      const now = new Date();
      // The CLI plays both sides: it issues the challenge, signs it with the key and verifies it.
      const challenge = createLoginChallenge({
        chainId: context.client.chainId || "sensorchain",
        issuedAt: now,
      }).text;
      const signature = await signLoginChallenge(signer, key.address, challenge);
      try {
        const result = await withNode(url, () =>
          login({
            address: key.address,
            challenge,
            signature,
            secret,
            source: rpcIdentitySource(url),
            now,
            maxChallengeAgeMs: CLI_CHALLENGE_MAX_AGE_MS,
          }),
        );
        printOutput(
          {
            address: key.address,
            token_id: result.token.tokenId.toString(),
            profile_cid: result.token.profileCid,
            sector: result.token.sector,
            verified: result.token.verified,
            profile: result.profile,
          },
          context.output,
        );
      } catch (error) {
        if (error instanceof LoginError)
          throw new CliError(`login_${error.code}`, `login failed: ${error.message}`);
        throw error;
      }
    });
}

function registerGenesisOperator(program: Command): void {
  const genesis = program.commands.find((command) => command.name() === "genesis");
  if (genesis === undefined) throw new Error("registerIdentity needs the genesis command first");
  genesis
    .command("add-identity-operator")
    .description("list a consortium operator who votes on identity verify / revoke (until poa supplies them)")
    .argument("<address>", "sensor1… address")
    .option("--power <n>", "voting power", "1")
    .action((address: string, flags: { power: string }, command: Command) => {
      const context = commandContext(command);
      if (!isValidAddress(address))
        throw new CliError("invalid_address", `not a sensor1… address: ${address}`);
      if (!/^[1-9][0-9]{0,18}$/.test(flags.power))
        throw new CliError("invalid_flag", `--power must be a positive integer, got ${flags.power}`);
      const current = loadGenesis(context.paths.genesisFile).json as unknown as {
        app_state: Record<string, unknown>;
      };
      const identity = (current.app_state.identity ?? {}) as {
        params?: { consortium_operators?: { address: string; power: string }[] };
      };
      const operators = identity.params?.consortium_operators ?? [];
      if (operators.some((operator) => operator.address === address))
        throw new CliError("duplicate_operator", `${address} is already an identity operator`);
      operators.push({ address, power: flags.power });
      current.app_state.identity = {
        ...identity,
        params: { ...identity.params, consortium_operators: operators },
      };
      saveGenesis(context.paths.genesisFile, current as never);
      printOutput({ address, power: flags.power, operators: operators.length }, context.output);
    });
}

/** Adds the identity verbs (call after registerTx, registerQuery and registerGenesis). */
export function registerIdentity(program: Command): void {
  addModuleVerbs(program, "identity", { tx: registerIdentityTx, query: registerIdentityQuery });
  registerIdentityClient(program);
  registerGenesisOperator(program);
}
