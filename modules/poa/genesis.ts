// app_state.poa: sensorchain.poa.v1.GenesisState in proto3 JSON with snake_case field names (as the
// SDK writes genesis): enums by name, bytes base64, uint64 as strings. Import checks every record,
// rebuilds the indexes and returns the validators with power > 0 for InitChain; export writes
// everything in key order, so export → import reproduces the store (and the app hash).
import type { ValidatorUpdate } from "../../chain/app/abci.ts";
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import { type GenesisMessageType, genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
import { toBigInt } from "../proto-values.ts";
import {
  type Evidence,
  evidenceFromProto,
  evidenceToProto,
  type Proposal,
  pb,
  proposalFromProto,
  proposalToProto,
  type QueuedChange,
  queuedFromProto,
  queuedToProto,
  type Sequences,
  type Validator,
  type Vote,
  validatorFromProto,
  validatorToProto,
  voteFromProto,
  voteToProto,
} from "./codec.ts";
import type { PoaKeeper } from "./keeper.ts";
import {
  CONSENSUS_ADDRESS_BYTES,
  EVIDENCE_PREFIX,
  MAX_OPEN_PROPOSALS,
  MAX_TOTAL_VOTING_POWER,
  MAX_VALIDATORS,
  PROPOSAL_PREFIX,
  prefixEnd,
  STORE_NAME,
  VOTE_PREFIX,
} from "./keys.ts";
import { changeFromMessage, checkAddress, checkMoniker, checkNodeId, checkPublicKey } from "./validation.ts";

type ValidatorMessage = InstanceType<typeof pb.Validator>;

export interface PoaGenesis {
  validators: Validator[];
  proposals: Proposal[];
  votes: Vote[];
  queue: QueuedChange[];
  evidence: Evidence[];
  sequences: Sequences;
}

export function defaultPoaGenesis(): Json {
  return { validators: [], proposals: [], votes: [], queue: [], evidence: [] };
}

const { fail, at, decode } = genesisChecks("poa");

function parseValidators(messages: ValidatorMessage[]): Validator[] {
  if (messages.length > MAX_VALIDATORS) fail(`more than ${MAX_VALIDATORS} validators`);
  const addresses = new Set<string>();
  const operators = new Set<string>();
  return messages.map((message, index) => {
    const field = `validators[${index}]`;
    const validator = at(field, () => validatorFromProto(message));
    at(`${field}.pub_key`, () => checkPublicKey(validator.pubKey));
    at(`${field}.operator`, () => checkAddress(validator.operator, "operator"));
    at(`${field}.moniker`, () => checkMoniker(validator.moniker));
    at(`${field}.node_id`, () => checkNodeId(validator.nodeId));
    if (validator.power === 0n && !validator.jailed) fail(`${field}: power 0 is allowed only while jailed`);
    const address = toHex(ed25519Address(validator.pubKey));
    if (addresses.has(address)) fail(`${field}: duplicate validator ${address.toUpperCase()}`);
    if (operators.has(validator.operator))
      fail(`${field}: operator ${validator.operator} operates two validators`);
    addresses.add(address);
    operators.add(validator.operator);
    return validator;
  });
}

export function parsePoaGenesis(value: unknown): PoaGenesis {
  const message = decode(value, pb.GenesisState);
  const validators = parseValidators(message.validators as ValidatorMessage[]);
  const total = validators.reduce((sum, v) => sum + v.power, 0n);
  if (total > MAX_TOTAL_VOTING_POWER) fail(`total power ${total} is above ${MAX_TOTAL_VOTING_POWER}`);
  if (validators.length > 0 && validators.every((v) => v.jailed)) fail("every validator is jailed");

  const proposalIds = new Set<bigint>();
  let open = 0;
  const proposals = message.proposals.map((item, index) => {
    const field = `proposals[${index}]`;
    const proposal = at(field, () => proposalFromProto(item));
    at(`${field}.change`, () => changeFromMessage(item.change));
    at(`${field}.proposer`, () => checkAddress(proposal.proposer, "proposer"));
    if (proposal.id === 0n || proposalIds.has(proposal.id))
      fail(`${field}: id ${proposal.id} is 0 or repeated`);
    proposalIds.add(proposal.id);
    if (proposal.status === "open") open++;
    return proposal;
  });
  if (open > MAX_OPEN_PROPOSALS) fail(`more than ${MAX_OPEN_PROPOSALS} open proposals`);

  const voteKeys = new Set<string>();
  const votes = message.votes.map((item, index) => {
    const field = `votes[${index}]`;
    const vote = at(field, () => voteFromProto(item));
    at(`${field}.voter`, () => checkAddress(vote.voter, "voter"));
    if (!proposalIds.has(vote.proposalId)) fail(`${field}: proposal ${vote.proposalId} is not in proposals`);
    const key = `${vote.proposalId}/${vote.voter}`;
    if (voteKeys.has(key)) fail(`${field}: ${vote.voter} voted twice on proposal ${vote.proposalId}`);
    voteKeys.add(key);
    return vote;
  });

  const sequences = new Set<bigint>();
  const queue = message.queue.map((item, index) => {
    const field = `queue[${index}]`;
    const queued = at(field, () => queuedFromProto(item));
    at(`${field}.change`, () => changeFromMessage(item.change));
    if (queued.sequence === 0n || sequences.has(queued.sequence))
      fail(`${field}: sequence ${queued.sequence} is 0 or repeated`);
    sequences.add(queued.sequence);
    return queued;
  });

  const evidenceKeys = new Set<string>();
  const evidence = message.evidence.map((item, index) => {
    const field = `evidence[${index}]`;
    const record = at(field, () => evidenceFromProto(item));
    if (record.validatorAddress.length !== CONSENSUS_ADDRESS_BYTES)
      fail(`${field}.validator_address is not ${CONSENSUS_ADDRESS_BYTES} bytes`);
    const key = `${record.height}/${toHex(record.validatorAddress)}`;
    if (evidenceKeys.has(key)) fail(`${field}: repeated evidence at height ${record.height}`);
    evidenceKeys.add(key);
    return record;
  });

  const maxId = [...proposalIds].reduce((max, id) => (id > max ? id : max), 0n);
  const maxSequence = [...sequences].reduce((max, s) => (s > max ? s : max), 0n);
  const nextProposalId = toBigInt(message.nextProposalId) || maxId + 1n;
  const nextChangeSequence = toBigInt(message.nextChangeSequence) || maxSequence + 1n;
  if (nextProposalId <= maxId) fail(`next_proposal_id ${nextProposalId} is not above proposal ${maxId}`);
  if (nextChangeSequence <= maxSequence)
    fail(`next_change_sequence ${nextChangeSequence} is not above queued sequence ${maxSequence}`);
  return { validators, proposals, votes, queue, evidence, sequences: { nextProposalId, nextChangeSequence } };
}

/** Imports the state; returns the validator set for InitChain (validators with power > 0). */
export function initPoaGenesis(ctx: Context, keeper: PoaKeeper, genesis: PoaGenesis): ValidatorUpdate[] {
  keeper.setSequences(ctx, genesis.sequences);
  for (const validator of genesis.validators) keeper.saveValidator(ctx, validator);
  for (const proposal of genesis.proposals) keeper.saveProposal(ctx, proposal);
  for (const vote of genesis.votes) keeper.saveVote(ctx, vote);
  for (const queued of genesis.queue) keeper.saveQueued(ctx, queued);
  for (const record of genesis.evidence) keeper.saveEvidence(ctx, record);
  return genesis.validators
    .filter((validator) => validator.power > 0n)
    .map((validator) => ({ pubKey: validator.pubKey, power: validator.power }));
}

const toJson = <T>(type: GenesisMessageType<T>, message: object) =>
  messageToGenesisJson(type, message, { longs: String, enums: String, bytes: String });

async function collect<T>(ctx: Context, prefix: number, decode: (bytes: Uint8Array) => T): Promise<T[]> {
  const start = Uint8Array.of(prefix);
  const list: T[] = [];
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
    list.push(decode(value));
  return list;
}

export async function exportPoaGenesis(ctx: Context, keeper: PoaKeeper): Promise<Json> {
  const sequences = keeper.sequences(ctx);
  const proposals = await collect(ctx, PROPOSAL_PREFIX, (b) => proposalFromProto(pb.Proposal.decode(b)));
  const votes = await collect(ctx, VOTE_PREFIX, (b) => voteFromProto(pb.Vote.decode(b)));
  const evidence = await collect(ctx, EVIDENCE_PREFIX, (b) => evidenceFromProto(pb.Evidence.decode(b)));
  return {
    validators: keeper.validators(ctx).map((v) => toJson(pb.Validator, validatorToProto(v))),
    proposals: proposals.map((p) => toJson(pb.Proposal, proposalToProto(p))),
    votes: votes.map((v) => toJson(pb.Vote, voteToProto(v))),
    queue: (await keeper.queue(ctx)).map((q) => toJson(pb.QueuedChange, queuedToProto(q))),
    evidence: evidence.map((e) => toJson(pb.Evidence, evidenceToProto(e))),
    next_proposal_id: sequences.nextProposalId.toString(),
    next_change_sequence: sequences.nextChangeSequence.toString(),
  };
}
