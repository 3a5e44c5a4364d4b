// `sensorchain tx poa propose-add|propose-remove|propose-reweight|vote` and
// `sensorchain query poa validators|validator|proposals|proposal|votes|evidence`: the poa module
// through cosmjs with the project's client registry, fees and confirmation as `tx bank send` does.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { Command } from "commander";
import {
  ChangeKind,
  MSG_PROPOSE_VALIDATOR_CHANGE,
  MSG_VOTE_VALIDATOR_CHANGE,
  ProposalStatus,
  poa as pb,
  QUERY_EVIDENCE,
  QUERY_PROPOSAL,
  QUERY_PROPOSALS,
  QUERY_VALIDATOR,
  QUERY_VALIDATORS,
  QUERY_VOTES,
  VoteOption,
} from "../../client/poa.ts";
import { MAX_EXPIRY_BLOCKS } from "../../modules/poa/keys.ts";
import { encodeCanonical, type ProtoEncoder, toLong } from "../../proto/canonical.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  MAX_UINT64,
  type TxFlags as ModuleTxFlags,
  NODE_OPTION,
  type PageFlags,
  pagedQuery,
  pageOptions,
  pagination,
  printQuery,
  type QueryResponseType,
  txOptions,
} from "./module-tx.ts";
import { checkAddress } from "./query.ts";

/** Default voting window: one hour at 1 s blocks. */
const DEFAULT_EXPIRY_BLOCKS = 3600n;

/** The standard tx flags plus the proposal's voting window. */
function poaTxOptions(command: Command): Command {
  return txOptions(command).option(
    "--expiry <blocks>",
    "blocks the proposal stays open for votes",
    DEFAULT_EXPIRY_BLOCKS.toString(),
  );
}

type TxFlags = ModuleTxFlags & { expiry: string };

interface ChangeFlags {
  operator?: string;
  moniker?: string;
  nodeId?: string;
}

/** A whole number up to `max` (uint64 unless the field allows less), refused rather than wrapped. */
function unsigned(text: string, flag: string, max = MAX_UINT64): bigint {
  if (!/^[0-9]+$/.test(text))
    throw new CliError("invalid_flag", `${flag} must be a whole number, got ${JSON.stringify(text)}`);
  const value = BigInt(text);
  if (value > max) throw new CliError("invalid_flag", `${flag} must be at most ${max}`);
  return value;
}

/** A 32-byte ed25519 consensus key, hex or base64 (as priv_validator_key.json shows it). */
function consensusKey(text: string): Uint8Array {
  const trimmed = text.trim();
  const key = /^([0-9a-fA-F]{2})+$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (key.length !== 32)
    throw new CliError("invalid_flag", "the consensus key must be 32 bytes, hex or base64");
  return Uint8Array.from(key);
}

function propose(
  kind: "add" | "remove" | "reweight",
  key: string,
  power: bigint,
  flags: TxFlags & ChangeFlags,
) {
  const kinds = {
    add: ChangeKind.CHANGE_KIND_ADD,
    remove: ChangeKind.CHANGE_KIND_REMOVE,
    reweight: ChangeKind.CHANGE_KIND_REWEIGHT,
  };
  if (flags.operator !== undefined) checkAddress(flags.operator, "operator");
  const pubKey = consensusKey(key);
  const expiryBlocks = unsigned(flags.expiry, "--expiry", MAX_EXPIRY_BLOCKS);
  return (proposer: string): EncodeObject[] => [
    {
      typeUrl: MSG_PROPOSE_VALIDATOR_CHANGE,
      value: {
        proposer,
        kind: kinds[kind],
        pubKey,
        power: toLong(power),
        operator: flags.operator ?? "",
        moniker: flags.moniker ?? "",
        nodeId: flags.nodeId ?? "",
        expiryBlocks: toLong(expiryBlocks),
      },
    },
  ];
}

function registerPoaTx(tx: Command): void {
  const poa = tx
    .command("poa")
    .description("poa module transactions (the signer operates a current validator)");
  poaTxOptions(
    poa
      .command("propose-add")
      .description("propose a new validator (or re-admit a jailed one); counts as your yes vote")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<pubkey>", "ed25519 consensus public key, hex or base64")
      .argument("<power>", "voting power")
      .requiredOption("--operator <address>", "sensor1… account that will operate the validator")
      .requiredOption("--moniker <name>", "validator name")
      .requiredOption("--node-id <id>", "libp2p node id of the validator's node"),
  ).action(
    async (from: string, key: string, power: string, flags: TxFlags & ChangeFlags, command: Command) => {
      const build = propose("add", key, unsigned(power, "power"), flags);
      await broadcastMsgs(command, from, flags, `propose adding validator ${key} with power ${power}`, build);
    },
  );
  poaTxOptions(
    poa
      .command("propose-remove")
      .description("propose removing a validator; counts as your yes vote")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<pubkey>", "ed25519 consensus public key, hex or base64"),
  ).action(async (from: string, key: string, flags: TxFlags, command: Command) => {
    await broadcastMsgs(
      command,
      from,
      flags,
      `propose removing validator ${key}`,
      propose("remove", key, 0n, flags),
    );
  });
  poaTxOptions(
    poa
      .command("propose-reweight")
      .description("propose a new power (and optionally operator, moniker, node id); counts as your yes vote")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<pubkey>", "ed25519 consensus public key, hex or base64")
      .argument("<power>", "new voting power")
      .option("--operator <address>", "new operator")
      .option("--moniker <name>", "new name")
      .option("--node-id <id>", "new libp2p node id"),
  ).action(
    async (from: string, key: string, power: string, flags: TxFlags & ChangeFlags, command: Command) => {
      const build = propose("reweight", key, unsigned(power, "power"), flags);
      await broadcastMsgs(command, from, flags, `propose power ${power} for validator ${key}`, build);
    },
  );
  poaTxOptions(
    poa
      .command("vote")
      .description("vote yes or no on an open proposal (a later vote replaces yours)")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<proposal-id>", "proposal id")
      .argument("<option>", "yes or no"),
  ).action(async (from: string, id: string, option: string, flags: TxFlags, command: Command) => {
    const options: Record<string, number> = {
      yes: VoteOption.VOTE_OPTION_YES,
      no: VoteOption.VOTE_OPTION_NO,
    };
    const value = options[option];
    if (value === undefined)
      throw new CliError("invalid_flag", `option must be yes or no, got ${JSON.stringify(option)}`);
    const proposalId = toLong(unsigned(id, "proposal id"));
    await broadcastMsgs(command, from, flags, `vote ${option} on proposal ${id}`, (operator) => [
      { typeUrl: MSG_VOTE_VALIDATOR_CHANGE, value: { operator, proposalId, option: value } },
    ]);
  });
}

/** Runs one poa gRPC query through abci_query and prints its response as snake_case JSON. */
async function runQuery<T extends object>(
  command: Command,
  node: string | undefined,
  path: string,
  request: { type: ProtoEncoder<T>; value: T },
  response: QueryResponseType,
): Promise<void> {
  await printQuery(command, node, path, encodeCanonical(request.type, request.value), response);
}

const STATUSES: Record<string, number> = {
  open: ProposalStatus.PROPOSAL_STATUS_OPEN,
  passed: ProposalStatus.PROPOSAL_STATUS_PASSED,
  expired: ProposalStatus.PROPOSAL_STATUS_EXPIRED,
  failed: ProposalStatus.PROPOSAL_STATUS_FAILED,
};

function registerPoaQuery(query: Command): void {
  const poa = query.command("poa").description("poa module queries");
  poa
    .command("validators")
    .description("every validator (jailed ones too) and the total power of the current ones")
    .option(...NODE_OPTION)
    .action(async (flags: { node?: string }, command: Command) => {
      await runQuery(
        command,
        flags.node,
        QUERY_VALIDATORS,
        { type: pb.QueryValidatorsRequest, value: {} },
        pb.QueryValidatorsResponse,
      );
    });
  poa
    .command("validator")
    .description("one validator by consensus address (40 hex) or operator (sensor1…)")
    .argument("<address>", "consensus address or operator address")
    .option(...NODE_OPTION)
    .action(async (address: string, flags: { node?: string }, command: Command) => {
      const value = address.startsWith("sensor")
        ? { operator: checkAddress(address, "operator") }
        : { consensusAddress: address };
      await runQuery(
        command,
        flags.node,
        QUERY_VALIDATOR,
        { type: pb.QueryValidatorRequest, value },
        pb.QueryValidatorResponse,
      );
    });
  pageOptions(
    poa
      .command("proposals")
      .description("proposals in id order")
      .option("--status <status>", "open, passed, expired or failed"),
    "proposals",
  ).action(async (flags: PageFlags & { status?: string }, command: Command) => {
    const status = flags.status === undefined ? 0 : STATUSES[flags.status];
    if (status === undefined)
      throw new CliError(
        "invalid_flag",
        `--status must be open, passed, expired or failed, got ${JSON.stringify(flags.status)}`,
      );
    await runQuery(
      command,
      flags.node,
      QUERY_PROPOSALS,
      { type: pb.QueryProposalsRequest, value: { status, pagination: pagination(flags) } },
      pb.QueryProposalsResponse,
    );
  });
  poa
    .command("proposal")
    .description("one proposal and its tally against the current set")
    .argument("<proposal-id>", "proposal id")
    .option(...NODE_OPTION)
    .action(async (id: string, flags: { node?: string }, command: Command) => {
      const value = { proposalId: toLong(unsigned(id, "proposal id")) };
      await runQuery(
        command,
        flags.node,
        QUERY_PROPOSAL,
        { type: pb.QueryProposalRequest, value },
        pb.QueryProposalResponse,
      );
    });
  pagedQuery(
    poa,
    { name: "votes", description: "votes of a proposal", argument: "<proposal-id>", what: "votes" },
    QUERY_VOTES,
    (id, page) =>
      encodeCanonical(pb.QueryVotesRequest, {
        proposalId: toLong(unsigned(id, "proposal id")),
        pagination: page,
      }),
    pb.QueryVotesResponse,
  );
  pagedQuery(
    poa,
    { name: "evidence", description: "evidence of misbehavior processed, by height", what: "evidence" },
    QUERY_EVIDENCE,
    (_, page) => encodeCanonical(pb.QueryEvidenceRequest, { pagination: page }),
    pb.QueryEvidenceResponse,
  );
}

/** Adds the poa verbs under the existing `tx` and `query` commands (call after registerTx/Query). */
export function registerPoa(program: Command): void {
  addModuleVerbs(program, "poa", { tx: registerPoaTx, query: registerPoaQuery });
}
