// Governance of the validator set: operators of current validators propose a change (their yes vote),
// vote on it, and a proposal passes once > 2/3 of the power voted yes and the change still applies;
// a passed change waits in the queue validator-updates.ts drains. Open proposals expire at their
// expiry height (README.md, Messages).
import { AbciError } from "../../chain/app/errors.ts";
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import type { Proposal, ValidatorChange, VoteOptionName } from "./codec.ts";
import { poaError } from "./errors.ts";
import {
  EXPIRY_INDEX_PREFIX,
  expiryIndexKey,
  MAX_FAILURE_REASON_BYTES,
  MAX_OPEN_PROPOSALS,
  MAX_OPEN_PROPOSALS_PER_PROPOSER,
  MAX_TOTAL_VOTING_POWER,
  MAX_VALIDATORS,
  prefixEnd,
  readUint64,
  STORE_NAME,
} from "./keys.ts";
import {
  addressOfOperator,
  enqueue,
  getProposal,
  getValidator,
  hexAddress,
  loadSequences,
  loadValidators,
  saveProposal,
  saveSequences,
  saveVote,
} from "./state.ts";
import { governancePower, passes, tallyProposal } from "./tally.ts";
import {
  EVENT_PROPOSAL_EXPIRED,
  EVENT_PROPOSAL_FAILED,
  EVENT_PROPOSAL_PASSED,
  EVENT_PROPOSAL_SUBMITTED,
  EVENT_VOTE,
} from "./type-urls.ts";

/** Throws unless `operator` operates a current validator; returns its power. */
async function requireOperator(ctx: Context, operator: string): Promise<bigint> {
  const power = await governancePower(ctx.store(STORE_NAME), operator);
  if (power === 0n) throw poaError("notOperator", operator);
  return power;
}

/** Throws the typed error that says why `change` does not apply to the set as it is now. */
export async function checkApplicable(ctx: Context, change: ValidatorChange): Promise<void> {
  const address = ed25519Address(change.pubKey);
  const existing = getValidator(ctx, address);
  const name = `validator ${hexAddress(change.pubKey)}`;
  if (change.kind !== "add" && existing === undefined) throw poaError("validatorNotFound", name);
  if (change.kind === "add" && existing !== undefined && !existing.jailed)
    throw poaError("validatorExists", `${name} (use a reweight)`);
  if (change.operator !== "") {
    const holder = addressOfOperator(ctx, change.operator);
    if (holder !== undefined && !bytesEqual(holder, address))
      throw poaError("operatorTaken", `${change.operator} operates ${toHex(holder).toUpperCase()}`);
  }
  const validators = loadValidators(ctx);
  if (existing === undefined && validators.length >= MAX_VALIDATORS)
    throw poaError("tooManyValidators", `the set holds ${MAX_VALIDATORS} validators already`);
  const consensusTotal = validators.reduce((sum, v) => sum + v.power, 0n);
  const after = consensusTotal - (existing?.power ?? 0n) + change.power;
  if (after > MAX_TOTAL_VOTING_POWER)
    throw poaError("invalidPower", `total power would be ${after}, above ${MAX_TOTAL_VOTING_POWER}`);
  if (change.kind === "remove") {
    const others = validators
      .filter((v) => !v.jailed && !bytesEqual(v.pubKey, change.pubKey))
      .reduce((sum, v) => sum + v.power, 0n);
    if (others === 0n) throw poaError("emptySet", `removing ${name}`);
  }
}

/** Throws tooManyProposals when the chain, or this proposer, has as many open proposals as allowed. */
async function checkOpenProposals(ctx: Context, proposer: string): Promise<void> {
  let open = 0;
  let mine = 0;
  const start = Uint8Array.of(EXPIRY_INDEX_PREFIX);
  for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) {
    open++;
    if (getProposal(ctx, readUint64(key, 9))?.proposer === proposer) mine++;
  }
  if (open >= MAX_OPEN_PROPOSALS) throw poaError("tooManyProposals", `${open} proposals are open`);
  if (mine >= MAX_OPEN_PROPOSALS_PER_PROPOSER)
    throw poaError("tooManyProposals", `${proposer} has ${mine} open proposals`);
}

export async function propose(
  ctx: Context,
  proposer: string,
  change: ValidatorChange,
  expiryBlocks: bigint,
): Promise<Proposal> {
  await requireOperator(ctx, proposer);
  await checkApplicable(ctx, change);
  await checkOpenProposals(ctx, proposer);
  const sequences = loadSequences(ctx);
  saveSequences(ctx, { ...sequences, nextProposalId: sequences.nextProposalId + 1n });
  const proposal: Proposal = {
    id: sequences.nextProposalId,
    proposer,
    change,
    status: "open",
    submitHeight: ctx.height,
    expiryHeight: ctx.height + expiryBlocks,
    finalHeight: 0n,
    failureReason: "",
  };
  saveProposal(ctx, proposal);
  ctx.events.emit(EVENT_PROPOSAL_SUBMITTED, {
    proposal_id: proposal.id.toString(),
    proposer,
    kind: change.kind,
    consensus_address: hexAddress(change.pubKey),
    power: change.power.toString(),
    expiry_height: proposal.expiryHeight.toString(),
  });
  // Proposing is the proposer's yes vote: a proposer holding > 2/3 passes it at once.
  return castVote(ctx, proposal, proposer, "yes");
}

/** Records (or replaces) `voter`'s vote and passes the proposal once > 2/3 of the power is yes. */
export async function vote(
  ctx: Context,
  voter: string,
  proposalId: bigint,
  option: VoteOptionName,
): Promise<Proposal> {
  await requireOperator(ctx, voter);
  const proposal = getProposal(ctx, proposalId);
  if (proposal === undefined) throw poaError("proposalNotFound", `proposal ${proposalId}`);
  if (proposal.status !== "open" || ctx.height > proposal.expiryHeight)
    throw poaError("proposalClosed", `proposal ${proposalId} is ${proposal.status}`);
  return castVote(ctx, proposal, voter, option);
}

async function castVote(
  ctx: Context,
  proposal: Proposal,
  voter: string,
  option: VoteOptionName,
): Promise<Proposal> {
  saveVote(ctx, { proposalId: proposal.id, voter, option, height: ctx.height });
  ctx.events.emit(EVENT_VOTE, { proposal_id: proposal.id.toString(), voter, option });
  const tally = await tallyProposal(ctx.store(STORE_NAME), proposal.id);
  if (!passes(tally)) return proposal;
  // Tallied against the set as it is now, and checked against it again: an earlier change may
  // have made this one meaningless (the key was added meanwhile, the operator taken).
  try {
    await checkApplicable(ctx, proposal.change);
  } catch (error) {
    if (!(error instanceof AbciError)) throw error;
    const failed: Proposal = {
      ...proposal,
      status: "failed",
      finalHeight: ctx.height,
      failureReason: error.log.slice(0, MAX_FAILURE_REASON_BYTES),
    };
    saveProposal(ctx, failed, "open");
    ctx.events.emit(EVENT_PROPOSAL_FAILED, {
      proposal_id: proposal.id.toString(),
      reason: failed.failureReason,
    });
    return failed;
  }
  const passed: Proposal = { ...proposal, status: "passed", finalHeight: ctx.height };
  saveProposal(ctx, passed, "open");
  enqueue(ctx, proposal.change, proposal.id, false);
  ctx.events.emit(EVENT_PROPOSAL_PASSED, {
    proposal_id: proposal.id.toString(),
    yes_power: tally.yes.toString(),
    total_power: tally.total.toString(),
  });
  return passed;
}

/** EndBlock, first: open proposals whose expiry height is this block's or earlier expire. */
export async function expireProposals(ctx: Context): Promise<void> {
  const start = Uint8Array.of(EXPIRY_INDEX_PREFIX);
  const end = expiryIndexKey(ctx.height + 1n, 0n);
  const ids: bigint[] = [];
  for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end })) ids.push(readUint64(key, 9));
  for (const id of ids) {
    const proposal = getProposal(ctx, id);
    if (proposal === undefined) throw new Error(`poa state: expiry index names missing proposal ${id}`);
    saveProposal(ctx, { ...proposal, status: "expired", finalHeight: ctx.height }, "open");
    ctx.events.emit(EVENT_PROPOSAL_EXPIRED, { proposal_id: id.toString() });
  }
}
