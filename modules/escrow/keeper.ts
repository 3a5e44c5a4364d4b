// Escrow keeper: per-device escrows (open, top up, release, close, refund: escrows.ts), the 80/10/10
// split of every release into earnings and the platform pool and the meter hook that pays
// PER_READING escrows at each finalized commitment (payments.ts), the authority's params and pool
// (authority.ts); records and indexes live in state.ts. Message handlers are thin (README.md).
import type { Coin } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import { spendPlatformPool, updateParams } from "./authority.ts";
import type { CommandTerms, Escrow, EscrowModeName, EscrowParams } from "./codec.ts";
import { close, openEscrow, refund, release, topUp } from "./escrows.ts";
import { payReadings, withdraw } from "./payments.ts";
import {
  earningsOf,
  escrowAccount,
  getEarnings,
  getEscrow,
  hasIndexes,
  insertEscrow,
  iterateEarnings,
  iterateEscrows,
  loadAuthority,
  loadNextId,
  loadParams,
  platformPoolAccount,
  saveAuthority,
  saveNextId,
  saveParams,
  setEarnings,
} from "./state.ts";

export { splitRelease } from "./payments.ts";

/** What meter calls when a daily commitment becomes final (README.md, Hooks). */
export interface MeterFinalizationHook {
  onCommitmentFinalized(ctx: Context, commitment: FinalizedCommitment): Promise<void>;
}

export interface FinalizedCommitment {
  deviceId: string;
  /** Days since 1970-01-01 UTC. */
  day: bigint;
  /** Readings in the committed day. */
  count: bigint;
  /** Operator of the validator that submitted the commitment: the gateway operator of the day. */
  submitter: string;
}

export interface EscrowDependencies {
  devices: DeviceReader;
  bank: BankSendKeeper;
  /** Optional: without it, manual releases have no gateway operator (its share goes to the pool). */
  validators?: ValidatorOperators;
}

export interface OpenEscrow {
  consumer: string;
  deviceId: string;
  releaseAuthority: string;
  mode: EscrowModeName;
  deposit: Coin;
  price: bigint;
  periodSeconds: bigint;
  expiryTime: bigint;
  /** A paid command (MANUAL only, price > 0 and ≤ deposit: checked by validateBasic). */
  command?: CommandTerms;
}

export interface ReleaseShares {
  owner: string;
  /** Empty when no gateway operator is known (its share then went to the platform pool). */
  gateway: string;
  ownerShare: bigint;
  gatewayShare: bigint;
  platformShare: bigint;
  denom: string;
}

export class EscrowKeeper implements MeterFinalizationHook {
  #deps: EscrowDependencies | undefined;
  /** Operator of this block's proposer, set in BeginBlock from the block header (deterministic):
   * the gateway operator of manual releases (README.md, Split). */
  #proposerOperator: string | undefined;

  constructor(deps?: EscrowDependencies) {
    this.#deps = deps;
  }

  connect(deps: EscrowDependencies): void {
    this.#deps = deps;
  }

  get deps(): EscrowDependencies {
    if (this.#deps === undefined) throw new Error("escrow keeper used before it was connected");
    return this.#deps;
  }

  get moduleAccount(): string {
    return escrowAccount();
  }

  get platformPool(): string {
    return platformPoolAccount();
  }

  /** BeginBlock: remembers the proposer's operator for the block's manual releases. */
  beginBlock(ctx: Context, proposerAddress: Uint8Array): void {
    this.#proposerOperator =
      proposerAddress.length === 0 ? undefined : this.deps.validators?.operatorOf(ctx, proposerAddress);
  }

  // ---- params, authority, records (state.ts) -----------------------------------------------------

  params = loadParams;
  setParams = saveParams;
  authority = loadAuthority;
  setAuthority = saveAuthority;
  nextId = loadNextId;
  setNextId = saveNextId;
  getEscrow = getEscrow;
  getEarnings = getEarnings;
  /** Sets an address's unpaid earnings in one denom; zero deletes the entry. */
  setEarnings = setEarnings;
  /** Unpaid earnings of an address, sorted by denom (key order). */
  earningsOf = earningsOf;

  // ---- messages (escrows.ts, payments.ts, authority.ts) ------------------------------------------

  open(ctx: Context, input: OpenEscrow): Promise<Escrow> {
    return openEscrow(ctx, this.deps, input, this.#proposerOperator);
  }

  topUp(ctx: Context, consumer: string, id: bigint, amount: Coin, expiryTime: bigint): Escrow {
    return topUp(ctx, this.deps, consumer, id, amount, expiryTime);
  }

  release(ctx: Context, signer: string, id: bigint, amount: Coin): ReleaseShares {
    return release(ctx, this.deps, signer, id, amount, this.#proposerOperator);
  }

  close(ctx: Context, consumer: string, id: bigint): void {
    close(ctx, consumer, id);
  }

  refund(ctx: Context, consumer: string, id: bigint): Coin {
    return refund(ctx, this.deps, consumer, id);
  }

  withdraw(ctx: Context, owner: string): Promise<Coin[]> {
    return withdraw(ctx, this.deps, owner);
  }

  updateParams(ctx: Context, authority: string, params: EscrowParams): void {
    updateParams(ctx, authority, params);
  }

  spendPlatformPool(ctx: Context, authority: string, recipient: string, coins: Coin[]): void {
    spendPlatformPool(ctx, this.deps, authority, recipient, coins);
  }

  /** Meter hook: pays the device's PER_READING escrows for the committed day (payments.ts). */
  onCommitmentFinalized(ctx: Context, commitment: FinalizedCommitment): Promise<void> {
    return payReadings(ctx, this.deps, commitment);
  }

  // ---- iteration, genesis import, invariants -----------------------------------------------------

  iterateEscrows = iterateEscrows;
  /** Every earnings entry as (address bytes, denom, amount), in key order. */
  iterateEarnings = iterateEarnings;
  /** Writes an escrow with its indexes (genesis import). */
  importEscrow = insertEscrow;
  /** Whether the escrow's index entries are all present (invariants). */
  hasIndexes = hasIndexes;
}
