// Poa keeper: the consortium's rules. Operators of current validators propose and vote on validator
// changes; passed changes wait in a queue that EndBlock drains into validator updates (at most 1/3
// of the total power a block); evidence from FinalizeBlock jails. Message handlers are thin; other
// modules get ValidatorOperators.
import type { Misbehavior, ValidatorUpdate } from "../../chain/app/abci.ts";
import { AbciError } from "../../chain/app/errors.ts";
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, compareBytes, concatBytes, sha256, toHex } from "../../chain/crypto/hash.ts";
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
  type VoteOptionName,
  validatorCodec,
  voteCodec,
} from "./codec.ts";
import { poaError } from "./errors.ts";
import {
  CONSENSUS_ADDRESS_BYTES,
  EXPIRY_INDEX_PREFIX,
  evidenceKey,
  expiryIndexKey,
  INDEX_MARKER,
  MAX_FAILURE_REASON_BYTES,
  MAX_OPEN_PROPOSALS,
  MAX_OPEN_PROPOSALS_PER_PROPOSER,
  MAX_TOTAL_VOTING_POWER,
  MAX_VALIDATORS,
  operatorIndexKey,
  prefixEnd,
  proposalKey,
  QUEUE_CLASS_GOVERNANCE,
  QUEUE_CLASS_JAIL,
  QUEUE_PREFIX,
  queueKey,
  readUint64,
  SEQUENCES_KEY,
  STORE_NAME,
  statusIndexKey,
  VALIDATOR_SET_KEY,
  validatorKey,
  voteKey,
} from "./keys.ts";
import { governancePower, passes, type Tally, tallyProposal } from "./tally.ts";
import {
  EVENT_CHANGE_DEFERRED,
  EVENT_CHANGE_DROPPED,
  EVENT_EVIDENCE_RECORDED,
  EVENT_PROPOSAL_EXPIRED,
  EVENT_PROPOSAL_FAILED,
  EVENT_PROPOSAL_PASSED,
  EVENT_PROPOSAL_SUBMITTED,
  EVENT_VALIDATOR_JAILED,
  EVENT_VALIDATOR_UPDATED,
  EVENT_VOTE,
} from "./type-urls.ts";

/** A current validator as other modules see it: not jailed, power > 0. */
export interface OperatorInfo {
  operator: string;
  /** 20-byte CometBFT address, sha256(pub_key)[:20]. */
  consensusAddress: Uint8Array;
  power: bigint;
}

/** What the meter module (attestations by > 2/3 of power) and the identity module (consortium
 * authority) need. Powers are the latest the poa module emitted (README.md, ValidatorOperators).
 * Synchronous: a handful of point reads (at most MAX_VALIDATORS). */
export interface ValidatorOperators {
  /** Every current validator's operator, in consensus address order. */
  operators(ctx: Context): OperatorInfo[];
  /** Sum of the powers of current validators: what "more than 2/3 of power" is measured against. */
  totalPower(ctx: Context): bigint;
  /** True when `address` operates a current validator. */
  isOperator(ctx: Context, address: string): boolean;
  /** The operator of the current validator with this consensus address, or undefined. */
  operatorOf(ctx: Context, consensusAddress: Uint8Array): string | undefined;
}

const DEFAULT_SEQUENCES: Sequences = { nextProposalId: 1n, nextChangeSequence: 1n };

const hexAddress = (pubKey: Uint8Array) => toHex(ed25519Address(pubKey)).toUpperCase();

export class PoaKeeper implements ValidatorOperators {
  // ---- reads -------------------------------------------------------------------------------------

  getValidator(ctx: Context, consensusAddress: Uint8Array): Validator | undefined {
    const bytes = ctx.store(STORE_NAME).get(validatorKey(consensusAddress));
    return bytes === undefined ? undefined : validatorCodec.decode(bytes);
  }

  validatorOfOperator(ctx: Context, operator: string): Validator | undefined {
    const address = ctx.store(STORE_NAME).get(operatorIndexKey(operator));
    return address === undefined ? undefined : this.getValidator(ctx, address);
  }

  /** Consensus addresses of every validator record, ascending (the set index, key 0x09). */
  validatorAddresses(ctx: Context): Uint8Array[] {
    const bytes = ctx.store(STORE_NAME).get(VALIDATOR_SET_KEY);
    const list: Uint8Array[] = [];
    if (bytes === undefined) return list;
    for (let offset = 0; offset < bytes.length; offset += CONSENSUS_ADDRESS_BYTES)
      list.push(bytes.slice(offset, offset + CONSENSUS_ADDRESS_BYTES));
    return list;
  }

  /** Every validator record (jailed ones too), in consensus address order. */
  validators(ctx: Context): Validator[] {
    return this.validatorAddresses(ctx).map((address) => {
      const validator = this.getValidator(ctx, address);
      if (validator === undefined)
        throw new Error(`poa state: set index names missing validator ${toHex(address)}`);
      return validator;
    });
  }

  #saveSetIndex(ctx: Context, addresses: Uint8Array[]): void {
    if (addresses.length === 0) ctx.store(STORE_NAME).delete(VALIDATOR_SET_KEY);
    else ctx.store(STORE_NAME).set(VALIDATOR_SET_KEY, concatBytes(...addresses.sort(compareBytes)));
  }

  getProposal(ctx: Context, id: bigint): Proposal | undefined {
    const bytes = ctx.store(STORE_NAME).get(proposalKey(id));
    return bytes === undefined ? undefined : proposalCodec.decode(bytes);
  }

  getVote(ctx: Context, proposalId: bigint, voter: string): Vote | undefined {
    const bytes = ctx.store(STORE_NAME).get(voteKey(proposalId, voter));
    return bytes === undefined ? undefined : voteCodec.decode(bytes);
  }

  getEvidence(ctx: Context, height: bigint, consensusAddress: Uint8Array): Evidence | undefined {
    const bytes = ctx.store(STORE_NAME).get(evidenceKey(height, consensusAddress));
    return bytes === undefined ? undefined : evidenceCodec.decode(bytes);
  }

  sequences(ctx: Context): Sequences {
    const bytes = ctx.store(STORE_NAME).get(SEQUENCES_KEY);
    return bytes === undefined ? { ...DEFAULT_SEQUENCES } : sequencesCodec.decode(bytes);
  }

  /** Changes waiting for EndBlock, in the order they will be applied (jailings first). */
  async queue(ctx: Context): Promise<QueuedChange[]> {
    const start = Uint8Array.of(QUEUE_PREFIX);
    const list: QueuedChange[] = [];
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      list.push(queuedCodec.decode(value));
    return list;
  }

  tally(ctx: Context, proposalId: bigint): Promise<Tally> {
    return tallyProposal(ctx.store(STORE_NAME), proposalId);
  }

  // ---- ValidatorOperators ------------------------------------------------------------------------

  operators(ctx: Context): OperatorInfo[] {
    return this.validators(ctx)
      .filter((validator) => !validator.jailed && validator.power > 0n)
      .map((validator) => ({
        operator: validator.operator,
        consensusAddress: ed25519Address(validator.pubKey),
        power: validator.power,
      }));
  }

  totalPower(ctx: Context): bigint {
    return this.validators(ctx).reduce((sum, v) => (v.jailed ? sum : sum + v.power), 0n);
  }

  /** The identity module's view (modules/identity/authority.ts ConsortiumOperators): it finds this
   * method on the keeper of the module named "poa" and then uses the consortium's operators. */
  consortiumOperators(ctx: Context): { address: string; power: bigint }[] {
    return this.operators(ctx).map((info) => ({ address: info.operator, power: info.power }));
  }

  isOperator(ctx: Context, address: string): boolean {
    const validator = this.validatorOfOperator(ctx, address);
    return validator !== undefined && !validator.jailed && validator.power > 0n;
  }

  operatorOf(ctx: Context, consensusAddress: Uint8Array): string | undefined {
    const validator = this.getValidator(ctx, consensusAddress);
    return validator === undefined || validator.jailed || validator.power === 0n
      ? undefined
      : validator.operator;
  }

  // ---- writes ------------------------------------------------------------------------------------

  setSequences(ctx: Context, sequences: Sequences): void {
    ctx.store(STORE_NAME).set(SEQUENCES_KEY, sequencesCodec.encode(sequences));
  }

  /** Writes a validator and its operator index entry (dropping the old operator's, if it changed). */
  saveValidator(ctx: Context, validator: Validator, previousOperator?: string): void {
    const address = ed25519Address(validator.pubKey);
    const store = ctx.store(STORE_NAME);
    if (previousOperator !== undefined && previousOperator !== validator.operator)
      store.delete(operatorIndexKey(previousOperator));
    if (!store.has(validatorKey(address)))
      this.#saveSetIndex(ctx, [...this.validatorAddresses(ctx), address]);
    store.set(validatorKey(address), validatorCodec.encode(validator));
    store.set(operatorIndexKey(validator.operator), address);
  }

  #deleteValidator(ctx: Context, validator: Validator): void {
    const address = ed25519Address(validator.pubKey);
    ctx.store(STORE_NAME).delete(validatorKey(address));
    ctx.store(STORE_NAME).delete(operatorIndexKey(validator.operator));
    this.#saveSetIndex(
      ctx,
      this.validatorAddresses(ctx).filter((entry) => !bytesEqual(entry, address)),
    );
  }

  /** Writes a proposal and its status index entry, and its expiry index entry while open. */
  saveProposal(ctx: Context, proposal: Proposal, previous?: ProposalStatusName): void {
    const store = ctx.store(STORE_NAME);
    if (previous !== undefined && previous !== proposal.status) {
      store.delete(statusIndexKey(PROPOSAL_STATUSES[previous], proposal.id));
      if (previous === "open") store.delete(expiryIndexKey(proposal.expiryHeight, proposal.id));
    }
    store.set(proposalKey(proposal.id), proposalCodec.encode(proposal));
    store.set(statusIndexKey(PROPOSAL_STATUSES[proposal.status], proposal.id), INDEX_MARKER);
    if (proposal.status === "open")
      store.set(expiryIndexKey(proposal.expiryHeight, proposal.id), INDEX_MARKER);
  }

  saveVote(ctx: Context, vote: Vote): void {
    ctx.store(STORE_NAME).set(voteKey(vote.proposalId, vote.voter), voteCodec.encode(vote));
  }

  saveQueued(ctx: Context, queued: QueuedChange): void {
    const queueClass = queued.jail ? QUEUE_CLASS_JAIL : QUEUE_CLASS_GOVERNANCE;
    ctx.store(STORE_NAME).set(queueKey(queueClass, queued.sequence), queuedCodec.encode(queued));
  }

  saveEvidence(ctx: Context, evidence: Evidence): void {
    ctx
      .store(STORE_NAME)
      .set(evidenceKey(evidence.height, evidence.validatorAddress), evidenceCodec.encode(evidence));
  }

  #enqueue(ctx: Context, change: ValidatorChange, proposalId: bigint, jail: boolean): QueuedChange {
    const sequences = this.sequences(ctx);
    const queued: QueuedChange = { sequence: sequences.nextChangeSequence, proposalId, change, jail };
    this.setSequences(ctx, { ...sequences, nextChangeSequence: sequences.nextChangeSequence + 1n });
    this.saveQueued(ctx, queued);
    return queued;
  }

  // ---- governance --------------------------------------------------------------------------------

  /** Throws unless `operator` operates a current validator; returns its power. */
  async #requireOperator(ctx: Context, operator: string): Promise<bigint> {
    const power = await governancePower(ctx.store(STORE_NAME), operator);
    if (power === 0n) throw poaError("notOperator", operator);
    return power;
  }

  /** Throws the typed error that says why `change` does not apply to the set as it is now. */
  async checkApplicable(ctx: Context, change: ValidatorChange): Promise<void> {
    const address = ed25519Address(change.pubKey);
    const existing = this.getValidator(ctx, address);
    const name = `validator ${hexAddress(change.pubKey)}`;
    if (change.kind !== "add" && existing === undefined) throw poaError("validatorNotFound", name);
    if (change.kind === "add" && existing !== undefined && !existing.jailed)
      throw poaError("validatorExists", `${name} (use a reweight)`);
    if (change.operator !== "") {
      const holder = ctx.store(STORE_NAME).get(operatorIndexKey(change.operator));
      if (holder !== undefined && !bytesEqual(holder, address))
        throw poaError("operatorTaken", `${change.operator} operates ${toHex(holder).toUpperCase()}`);
    }
    const validators = this.validators(ctx);
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

  async propose(
    ctx: Context,
    proposer: string,
    change: ValidatorChange,
    expiryBlocks: bigint,
  ): Promise<Proposal> {
    await this.#requireOperator(ctx, proposer);
    await this.checkApplicable(ctx, change);
    let open = 0;
    let mine = 0;
    const start = Uint8Array.of(EXPIRY_INDEX_PREFIX);
    for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) {
      open++;
      if (this.getProposal(ctx, readUint64(key, 9))?.proposer === proposer) mine++;
    }
    if (open >= MAX_OPEN_PROPOSALS) throw poaError("tooManyProposals", `${open} proposals are open`);
    if (mine >= MAX_OPEN_PROPOSALS_PER_PROPOSER)
      throw poaError("tooManyProposals", `${proposer} has ${mine} open proposals`);
    const sequences = this.sequences(ctx);
    this.setSequences(ctx, { ...sequences, nextProposalId: sequences.nextProposalId + 1n });
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
    this.saveProposal(ctx, proposal);
    ctx.events.emit(EVENT_PROPOSAL_SUBMITTED, {
      proposal_id: proposal.id.toString(),
      proposer,
      kind: change.kind,
      consensus_address: hexAddress(change.pubKey),
      power: change.power.toString(),
      expiry_height: proposal.expiryHeight.toString(),
    });
    // Proposing is the proposer's yes vote: a proposer holding > 2/3 passes it at once.
    return this.#castVote(ctx, proposal, proposer, "yes");
  }

  /** Records (or replaces) `voter`'s vote and passes the proposal once > 2/3 of the power is yes. */
  async vote(ctx: Context, voter: string, proposalId: bigint, option: VoteOptionName): Promise<Proposal> {
    await this.#requireOperator(ctx, voter);
    const proposal = this.getProposal(ctx, proposalId);
    if (proposal === undefined) throw poaError("proposalNotFound", `proposal ${proposalId}`);
    if (proposal.status !== "open" || ctx.height > proposal.expiryHeight)
      throw poaError("proposalClosed", `proposal ${proposalId} is ${proposal.status}`);
    return this.#castVote(ctx, proposal, voter, option);
  }

  async #castVote(
    ctx: Context,
    proposal: Proposal,
    voter: string,
    option: VoteOptionName,
  ): Promise<Proposal> {
    this.saveVote(ctx, { proposalId: proposal.id, voter, option, height: ctx.height });
    ctx.events.emit(EVENT_VOTE, { proposal_id: proposal.id.toString(), voter, option });
    const tally = await this.tally(ctx, proposal.id);
    if (!passes(tally)) return proposal;
    // Tallied against the set as it is now, and checked against it again: an earlier change may
    // have made this one meaningless (the key was added meanwhile, the operator taken).
    try {
      await this.checkApplicable(ctx, proposal.change);
    } catch (error) {
      if (!(error instanceof AbciError)) throw error;
      const failed: Proposal = {
        ...proposal,
        status: "failed",
        finalHeight: ctx.height,
        failureReason: error.log.slice(0, MAX_FAILURE_REASON_BYTES),
      };
      this.saveProposal(ctx, failed, "open");
      ctx.events.emit(EVENT_PROPOSAL_FAILED, {
        proposal_id: proposal.id.toString(),
        reason: failed.failureReason,
      });
      return failed;
    }
    const passed: Proposal = { ...proposal, status: "passed", finalHeight: ctx.height };
    this.saveProposal(ctx, passed, "open");
    this.#enqueue(ctx, proposal.change, proposal.id, false);
    ctx.events.emit(EVENT_PROPOSAL_PASSED, {
      proposal_id: proposal.id.toString(),
      yes_power: tally.yes.toString(),
      total_power: tally.total.toString(),
    });
    return passed;
  }

  /** EndBlock, first: open proposals whose expiry height is this block's or earlier expire. */
  async expireProposals(ctx: Context): Promise<void> {
    const start = Uint8Array.of(EXPIRY_INDEX_PREFIX);
    const end = expiryIndexKey(ctx.height + 1n, 0n);
    const ids: bigint[] = [];
    for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end })) ids.push(readUint64(key, 9));
    for (const id of ids) {
      const proposal = this.getProposal(ctx, id);
      if (proposal === undefined) throw new Error(`poa state: expiry index names missing proposal ${id}`);
      this.saveProposal(ctx, { ...proposal, status: "expired", finalHeight: ctx.height }, "open");
      ctx.events.emit(EVENT_PROPOSAL_EXPIRED, { proposal_id: id.toString() });
    }
  }

  // ---- validator updates -------------------------------------------------------------------------

  /**
   * EndBlock, second: drains the queue into validator updates. In order (jailings, then passed
   * proposals by sequence), each change applies whole while the block's changes stay within
   * floor(total / 3) of power (at least 1); the first that does not fit waits for a later block,
   * unless nothing changed yet in this block: then it moves as far as the budget allows, so a
   * change larger than a third still completes over several blocks. One update per key a block
   * (CometBFT refuses duplicates).
   */
  async applyQueue(ctx: Context): Promise<ValidatorUpdate[]> {
    const queue = await this.queue(ctx);
    if (queue.length === 0) return [];
    const validators = this.validators(ctx);
    let consensusTotal = validators.reduce((sum, v) => sum + v.power, 0n);
    const budget = consensusTotal / 3n > 0n ? consensusTotal / 3n : 1n;
    let used = 0n;
    const touched = new Set<string>();
    const updates: ValidatorUpdate[] = [];
    for (const queued of queue) {
      const { change } = queued;
      const address = ed25519Address(change.pubKey);
      const name = toHex(address).toUpperCase();
      if (touched.has(name)) {
        this.#deferred(ctx, queued, "validator already changed in this block");
        break;
      }
      const current = this.getValidator(ctx, address);
      const currentPower = current?.power ?? 0n;
      const target = queued.jail || change.kind === "remove" ? 0n : change.power;
      const dropped = this.#dropReason(ctx, queued, current, consensusTotal - currentPower + target);
      if (dropped !== undefined) {
        this.#deleteQueued(ctx, queued);
        ctx.events.emit(EVENT_CHANGE_DROPPED, {
          sequence: queued.sequence.toString(),
          proposal_id: queued.proposalId.toString(),
          consensus_address: name,
          reason: dropped,
        });
        continue;
      }
      const delta = target > currentPower ? target - currentPower : currentPower - target;
      let power = target;
      if (delta > budget - used) {
        if (used > 0n) {
          this.#deferred(ctx, queued, "the block's power budget is spent");
          break;
        }
        power = target > currentPower ? currentPower + budget : currentPower - budget;
      }
      const applied = power > currentPower ? power - currentPower : currentPower - power;
      used += applied;
      consensusTotal += power - currentPower;
      touched.add(name);
      this.#applyStep(ctx, queued, current, power);
      if (power !== currentPower) updates.push({ pubKey: change.pubKey, power });
      ctx.events.emit(EVENT_VALIDATOR_UPDATED, {
        consensus_address: name,
        power: power.toString(),
        previous_power: currentPower.toString(),
        target_power: target.toString(),
        kind: queued.jail ? "jail" : change.kind,
        proposal_id: queued.proposalId.toString(),
      });
      if (power !== target) {
        this.#deferred(ctx, queued, `moved ${applied} of ${delta}: more than a third of the power`);
        break;
      }
      this.#deleteQueued(ctx, queued);
    }
    return updates;
  }

  #deferred(ctx: Context, queued: QueuedChange, reason: string): void {
    ctx.events.emit(EVENT_CHANGE_DEFERRED, {
      sequence: queued.sequence.toString(),
      proposal_id: queued.proposalId.toString(),
      reason,
    });
  }

  #deleteQueued(ctx: Context, queued: QueuedChange): void {
    ctx
      .store(STORE_NAME)
      .delete(queueKey(queued.jail ? QUEUE_CLASS_JAIL : QUEUE_CLASS_GOVERNANCE, queued.sequence));
  }

  /** Why a queued change cannot apply any more (two queued changes of one key or operator), if so. */
  #dropReason(
    ctx: Context,
    queued: QueuedChange,
    current: Validator | undefined,
    totalAfter: bigint,
  ): string | undefined {
    const { change } = queued;
    if ((queued.jail || change.kind !== "add") && current === undefined) return "validator not found";
    if (change.operator !== "") {
      const holder = ctx.store(STORE_NAME).get(operatorIndexKey(change.operator));
      if (holder !== undefined && !bytesEqual(holder, ed25519Address(change.pubKey)))
        return `operator ${change.operator} operates another validator`;
    }
    if (totalAfter === 0n) return "the set would be empty";
    return undefined;
  }

  /** Writes the validator after one step of `queued` brought it to `power`. */
  #applyStep(ctx: Context, queued: QueuedChange, current: Validator | undefined, power: bigint): void {
    const { change } = queued;
    if (queued.jail || change.kind === "remove") {
      if (current === undefined) return;
      if (power === 0n && change.kind === "remove" && !queued.jail) this.#deleteValidator(ctx, current);
      else this.saveValidator(ctx, { ...current, power });
      return;
    }
    // add / reweight: the first step (re-)admits a jailed validator and applies the new metadata.
    const readmitted = current === undefined || current.jailed;
    const validator: Validator = {
      pubKey: change.pubKey,
      power,
      operator: change.operator || current?.operator || "",
      moniker: change.moniker || current?.moniker || "",
      nodeId: change.nodeId || current?.nodeId || "",
      jailed: false,
      admissionHeight: readmitted ? ctx.height : (current?.admissionHeight ?? ctx.height),
    };
    this.saveValidator(ctx, validator, current?.operator);
  }

  // ---- evidence ----------------------------------------------------------------------------------

  /**
   * BeginBlock: records each piece of evidence once (by infraction height and validator) and jails a
   * current validator it names, unless the infraction predates the validator's (re-)admission.
   * Signatures were verified by consensus before the block was decided.
   */
  handleMisbehavior(ctx: Context, misbehavior: readonly Misbehavior[]): void {
    for (const item of misbehavior) {
      const address = Uint8Array.from(item.validatorAddress);
      if (ctx.store(STORE_NAME).has(evidenceKey(item.height, address))) continue;
      const validator = this.getValidator(ctx, address);
      const jail = validator !== undefined && !validator.jailed && item.height >= validator.admissionHeight;
      const evidence: Evidence = {
        type: item.type,
        validatorAddress: address,
        height: item.height,
        time: item.time,
        validatorPower: item.validatorPower,
        totalVotingPower: item.totalVotingPower,
        hash: new Uint8Array(0),
        processedHeight: 0n,
        jailed: false,
      };
      evidence.hash =
        item.evidenceHash === undefined
          ? sha256(evidenceCodec.encode(evidence))
          : Uint8Array.from(item.evidenceHash);
      evidence.processedHeight = ctx.height;
      evidence.jailed = jail;
      this.saveEvidence(ctx, evidence);
      const attributes = {
        consensus_address: toHex(address).toUpperCase(),
        type: item.type,
        height: item.height.toString(),
        hash: toHex(evidence.hash).toUpperCase(),
      };
      ctx.events.emit(EVENT_EVIDENCE_RECORDED, { ...attributes, jailed: String(jail) });
      if (!jail || validator === undefined) continue;
      this.saveValidator(ctx, { ...validator, jailed: true });
      this.#enqueue(
        ctx,
        { kind: "remove", pubKey: validator.pubKey, power: 0n, operator: "", moniker: "", nodeId: "" },
        0n,
        true,
      );
      ctx.events.emit(EVENT_VALIDATOR_JAILED, { ...attributes, operator: validator.operator });
    }
  }
}
