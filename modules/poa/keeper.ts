// Poa keeper: the consortium's rules. Operators of current validators propose and vote on validator
// changes (governance.ts); passed changes wait in a queue that EndBlock drains into validator
// updates, at most 1/3 of the total power a block (validator-updates.ts); evidence from
// FinalizeBlock jails (evidence.ts); records and indexes live in state.ts. Message handlers are
// thin; other modules get ValidatorOperators.
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { handleMisbehavior } from "./evidence.ts";
import { checkApplicable, expireProposals, propose, vote } from "./governance.ts";
import { STORE_NAME } from "./keys.ts";
import {
  getEvidence,
  getProposal,
  getValidator,
  getVote,
  loadQueue,
  loadSequences,
  loadValidators,
  saveEvidence,
  saveProposal,
  saveQueued,
  saveSequences,
  saveValidator,
  saveVote,
  validatorAddresses,
  validatorOfOperator,
} from "./state.ts";
import { type Tally, tallyProposal } from "./tally.ts";
import { applyQueue } from "./validator-updates.ts";

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

export class PoaKeeper implements ValidatorOperators {
  // ---- reads (state.ts) --------------------------------------------------------------------------

  getValidator = getValidator;
  validatorOfOperator = validatorOfOperator;
  /** Consensus addresses of every validator record, ascending (the set index, key 0x09). */
  validatorAddresses = validatorAddresses;
  /** Every validator record (jailed ones too), in consensus address order. */
  validators = loadValidators;
  getProposal = getProposal;
  getVote = getVote;
  getEvidence = getEvidence;
  sequences = loadSequences;
  /** Changes waiting for EndBlock, in the order they will be applied (jailings first). */
  queue = loadQueue;

  tally(ctx: Context, proposalId: bigint): Promise<Tally> {
    return tallyProposal(ctx.store(STORE_NAME), proposalId);
  }

  // ---- ValidatorOperators ------------------------------------------------------------------------

  operators(ctx: Context): OperatorInfo[] {
    return loadValidators(ctx)
      .filter((validator) => !validator.jailed && validator.power > 0n)
      .map((validator) => ({
        operator: validator.operator,
        consensusAddress: ed25519Address(validator.pubKey),
        power: validator.power,
      }));
  }

  totalPower(ctx: Context): bigint {
    return loadValidators(ctx).reduce((sum, v) => (v.jailed ? sum : sum + v.power), 0n);
  }

  /** The identity module's view (modules/identity/authority.ts ConsortiumOperators): it finds this
   * method on the keeper of the module named "poa" and then uses the consortium's operators. */
  consortiumOperators(ctx: Context): { address: string; power: bigint }[] {
    return this.operators(ctx).map((info) => ({ address: info.operator, power: info.power }));
  }

  isOperator(ctx: Context, address: string): boolean {
    const validator = validatorOfOperator(ctx, address);
    return validator !== undefined && !validator.jailed && validator.power > 0n;
  }

  operatorOf(ctx: Context, consensusAddress: Uint8Array): string | undefined {
    const validator = getValidator(ctx, consensusAddress);
    return validator === undefined || validator.jailed || validator.power === 0n
      ? undefined
      : validator.operator;
  }

  // ---- writes (state.ts: genesis import and the rules below) -------------------------------------

  setSequences = saveSequences;
  /** Writes a validator and its operator index entry (dropping the old operator's, if it changed). */
  saveValidator = saveValidator;
  /** Writes a proposal and its status index entry, and its expiry index entry while open. */
  saveProposal = saveProposal;
  saveVote = saveVote;
  saveQueued = saveQueued;
  saveEvidence = saveEvidence;

  // ---- rules -------------------------------------------------------------------------------------

  /** Throws the typed error that says why `change` does not apply to the set as it is now. */
  checkApplicable = checkApplicable;
  propose = propose;
  /** Records (or replaces) `voter`'s vote and passes the proposal once > 2/3 of the power is yes. */
  vote = vote;
  /** EndBlock, first: open proposals whose expiry height is this block's or earlier expire. */
  expireProposals = expireProposals;
  /** EndBlock, second: the queue drained into validator updates (validator-updates.ts). */
  applyQueue = applyQueue;
  /** BeginBlock: evidence recorded once, the validator it names jailed (evidence.ts). */
  handleMisbehavior = handleMisbehavior;
}
