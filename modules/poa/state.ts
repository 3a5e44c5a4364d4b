// Records of the poa module in store "poa" and the indexes kept in step with them: validators with
// their operator and set indexes, proposals with their status and expiry indexes, votes, the change
// queue, evidence, sequences (keys.ts and README.md, State, give the layout). Rules live in
// governance.ts, validator-updates.ts and evidence.ts.
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, compareBytes, concatBytes, toHex } from "../../chain/crypto/hash.ts";
import {
  type Evidence,
  evidenceCodec,
  PROPOSAL_STATUSES,
  type Proposal,
  type ProposalStatusName,
  proposalCodec,
  type QueuedChange,
  queuedCodec,
  type Sequences,
  sequencesCodec,
  type Validator,
  type ValidatorChange,
  type Vote,
  validatorCodec,
  voteCodec,
} from "./codec.ts";
import {
  CONSENSUS_ADDRESS_BYTES,
  evidenceKey,
  expiryIndexKey,
  INDEX_MARKER,
  operatorIndexKey,
  prefixEnd,
  proposalKey,
  QUEUE_CLASS_GOVERNANCE,
  QUEUE_CLASS_JAIL,
  QUEUE_PREFIX,
  queueKey,
  SEQUENCES_KEY,
  STORE_NAME,
  statusIndexKey,
  VALIDATOR_SET_KEY,
  validatorKey,
  voteKey,
} from "./keys.ts";

const DEFAULT_SEQUENCES: Sequences = { nextProposalId: 1n, nextChangeSequence: 1n };

/** How events and errors name a validator: its consensus address in upper-case hex. */
export const hexAddress = (pubKey: Uint8Array): string => toHex(ed25519Address(pubKey)).toUpperCase();

// ---- validators ----------------------------------------------------------------------------------

export function getValidator(ctx: Context, consensusAddress: Uint8Array): Validator | undefined {
  const bytes = ctx.store(STORE_NAME).get(validatorKey(consensusAddress));
  return bytes === undefined ? undefined : validatorCodec.decode(bytes);
}

/** The consensus address of the validator `operator` operates, if any (operator index 0x02). */
export function addressOfOperator(ctx: Context, operator: string): Uint8Array | undefined {
  return ctx.store(STORE_NAME).get(operatorIndexKey(operator));
}

export function validatorOfOperator(ctx: Context, operator: string): Validator | undefined {
  const address = addressOfOperator(ctx, operator);
  return address === undefined ? undefined : getValidator(ctx, address);
}

/** Consensus addresses of every validator record, ascending (the set index, key 0x09). */
export function validatorAddresses(ctx: Context): Uint8Array[] {
  const bytes = ctx.store(STORE_NAME).get(VALIDATOR_SET_KEY);
  const list: Uint8Array[] = [];
  if (bytes === undefined) return list;
  for (let offset = 0; offset < bytes.length; offset += CONSENSUS_ADDRESS_BYTES)
    list.push(bytes.slice(offset, offset + CONSENSUS_ADDRESS_BYTES));
  return list;
}

/** Every validator record (jailed ones too), in consensus address order. */
export function loadValidators(ctx: Context): Validator[] {
  return validatorAddresses(ctx).map((address) => {
    const validator = getValidator(ctx, address);
    if (validator === undefined)
      throw new Error(`poa state: set index names missing validator ${toHex(address)}`);
    return validator;
  });
}

function saveSetIndex(ctx: Context, addresses: Uint8Array[]): void {
  if (addresses.length === 0) ctx.store(STORE_NAME).delete(VALIDATOR_SET_KEY);
  else ctx.store(STORE_NAME).set(VALIDATOR_SET_KEY, concatBytes(...addresses.sort(compareBytes)));
}

/** Writes a validator and its operator index entry (dropping the old operator's, if it changed). */
export function saveValidator(ctx: Context, validator: Validator, previousOperator?: string): void {
  const address = ed25519Address(validator.pubKey);
  const store = ctx.store(STORE_NAME);
  if (previousOperator !== undefined && previousOperator !== validator.operator)
    store.delete(operatorIndexKey(previousOperator));
  if (!store.has(validatorKey(address))) saveSetIndex(ctx, [...validatorAddresses(ctx), address]);
  store.set(validatorKey(address), validatorCodec.encode(validator));
  store.set(operatorIndexKey(validator.operator), address);
}

/** Deletes a removed validator with its operator and set index entries. */
export function deleteValidator(ctx: Context, validator: Validator): void {
  const address = ed25519Address(validator.pubKey);
  ctx.store(STORE_NAME).delete(validatorKey(address));
  ctx.store(STORE_NAME).delete(operatorIndexKey(validator.operator));
  saveSetIndex(
    ctx,
    validatorAddresses(ctx).filter((entry) => !bytesEqual(entry, address)),
  );
}

// ---- proposals and votes -------------------------------------------------------------------------

export function getProposal(ctx: Context, id: bigint): Proposal | undefined {
  const bytes = ctx.store(STORE_NAME).get(proposalKey(id));
  return bytes === undefined ? undefined : proposalCodec.decode(bytes);
}

/** Writes a proposal and its status index entry, and its expiry index entry while open. */
export function saveProposal(ctx: Context, proposal: Proposal, previous?: ProposalStatusName): void {
  const store = ctx.store(STORE_NAME);
  if (previous !== undefined && previous !== proposal.status) {
    store.delete(statusIndexKey(PROPOSAL_STATUSES[previous], proposal.id));
    if (previous === "open") store.delete(expiryIndexKey(proposal.expiryHeight, proposal.id));
  }
  store.set(proposalKey(proposal.id), proposalCodec.encode(proposal));
  store.set(statusIndexKey(PROPOSAL_STATUSES[proposal.status], proposal.id), INDEX_MARKER);
  if (proposal.status === "open") store.set(expiryIndexKey(proposal.expiryHeight, proposal.id), INDEX_MARKER);
}

export function getVote(ctx: Context, proposalId: bigint, voter: string): Vote | undefined {
  const bytes = ctx.store(STORE_NAME).get(voteKey(proposalId, voter));
  return bytes === undefined ? undefined : voteCodec.decode(bytes);
}

export function saveVote(ctx: Context, vote: Vote): void {
  ctx.store(STORE_NAME).set(voteKey(vote.proposalId, vote.voter), voteCodec.encode(vote));
}

// ---- sequences and the change queue --------------------------------------------------------------

export function loadSequences(ctx: Context): Sequences {
  const bytes = ctx.store(STORE_NAME).get(SEQUENCES_KEY);
  return bytes === undefined ? { ...DEFAULT_SEQUENCES } : sequencesCodec.decode(bytes);
}

export function saveSequences(ctx: Context, sequences: Sequences): void {
  ctx.store(STORE_NAME).set(SEQUENCES_KEY, sequencesCodec.encode(sequences));
}

const queueKeyOf = (queued: QueuedChange): Uint8Array =>
  queueKey(queued.jail ? QUEUE_CLASS_JAIL : QUEUE_CLASS_GOVERNANCE, queued.sequence);

/** Changes waiting for EndBlock, in the order they will be applied (jailings first). */
export async function loadQueue(ctx: Context): Promise<QueuedChange[]> {
  const start = Uint8Array.of(QUEUE_PREFIX);
  const list: QueuedChange[] = [];
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
    list.push(queuedCodec.decode(value));
  return list;
}

export function saveQueued(ctx: Context, queued: QueuedChange): void {
  ctx.store(STORE_NAME).set(queueKeyOf(queued), queuedCodec.encode(queued));
}

export function deleteQueued(ctx: Context, queued: QueuedChange): void {
  ctx.store(STORE_NAME).delete(queueKeyOf(queued));
}

/** Queues a change under the next change sequence (a passed proposal's, or a jailing: proposal 0). */
export function enqueue(
  ctx: Context,
  change: ValidatorChange,
  proposalId: bigint,
  jail: boolean,
): QueuedChange {
  const sequences = loadSequences(ctx);
  const queued: QueuedChange = { sequence: sequences.nextChangeSequence, proposalId, change, jail };
  saveSequences(ctx, { ...sequences, nextChangeSequence: sequences.nextChangeSequence + 1n });
  saveQueued(ctx, queued);
  return queued;
}

// ---- evidence ------------------------------------------------------------------------------------

export function getEvidence(
  ctx: Context,
  height: bigint,
  consensusAddress: Uint8Array,
): Evidence | undefined {
  const bytes = ctx.store(STORE_NAME).get(evidenceKey(height, consensusAddress));
  return bytes === undefined ? undefined : evidenceCodec.decode(bytes);
}

export function saveEvidence(ctx: Context, evidence: Evidence): void {
  ctx
    .store(STORE_NAME)
    .set(evidenceKey(evidence.height, evidence.validatorAddress), evidenceCodec.encode(evidence));
}
