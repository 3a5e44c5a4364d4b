// x/bank keeper: balances, supply, send-enabled flags, transfers with the SDK's events. The ante
// handler uses it as AnteBankKeeper (fee payment); other modules get BankSendKeeper.

import { Params } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { EventAttribute } from "../../chain/app/abci.ts";
import type { AnteBankKeeper } from "../../chain/app/ante-keepers.ts";
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import { setOwned } from "../../chain/app/context.ts";
import { eventAttribute, isIndexedAttribute } from "../../chain/app/events.ts";
import type { Context } from "../../chain/app/module.ts";
import { prefixEnd } from "../../chain/app/pagination.ts";
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import type { BankAccountKeeper } from "../auth/keeper.ts";
import { insufficientFunds } from "./errors.ts";
import {
  addressBalancesPrefix,
  BALANCES_PREFIX,
  DEFAULT_NATIVE_DENOM,
  decodeAmount,
  denomFromKey,
  encodeAmount,
  NATIVE_DENOM_KEY,
  PARAMS_KEY,
  parseBalanceKey,
  SEND_ENABLED_PREFIX,
  STORE_NAME,
  SUPPLY_PREFIX,
  sharedBalanceKey,
  sharedDenomKey,
} from "./keys.ts";

/** `attribute` itself for an event of `type` when that event indexes its key alike, else a copy with
 * the index flag of `type`. */
function sameAttribute(attribute: EventAttribute, type: string): EventAttribute {
  const index = isIndexedAttribute(type, attribute.key);
  return index === attribute.index ? attribute : { key: attribute.key, value: attribute.value, index };
}

/** What escrow, market and other paying modules need from bank. */
export interface BankSendKeeper {
  getBalance(ctx: Context, address: string, denom: string): bigint;
  sendCoins(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  sendCoinsFromAccountToModule(ctx: Context, from: string, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: Context, moduleName: string, to: string, coins: readonly Coin[]): void;
  nativeDenom(ctx: Context): string;
}

export interface BankParams {
  defaultSendEnabled: boolean;
}

export class BankKeeper implements AnteBankKeeper, BankSendKeeper {
  #accounts: BankAccountKeeper | undefined;
  #lastParams: { bytes: Uint8Array; params: BankParams } | undefined;

  constructor(accounts?: BankAccountKeeper) {
    this.#accounts = accounts;
  }

  /** Late wiring by the application (bankModule() without dependencies). */
  connect(accounts: BankAccountKeeper): void {
    this.#accounts = accounts;
  }

  get accounts(): BankAccountKeeper {
    if (this.#accounts === undefined) throw new Error("bank keeper used before it was connected to auth");
    return this.#accounts;
  }

  getBalance(ctx: Context, address: string, denom: string): bigint {
    const bytes = ctx.store(STORE_NAME).get(sharedBalanceKey(address, denom));
    return bytes === undefined ? 0n : decodeAmount(bytes);
  }

  /** Zero balances are deleted, so iteration yields only non-zero coins, sorted by denom. */
  setBalance(ctx: Context, address: string, denom: string, amount: bigint): void {
    const key = sharedBalanceKey(address, denom);
    if (amount === 0n) ctx.store(STORE_NAME).delete(key);
    // The shared key is never written to and the encoding is fresh: the cache keeps both as they are.
    else setOwned(ctx.store(STORE_NAME), key, encodeAmount(amount));
  }

  async getAllBalances(ctx: Context, address: string): Promise<Coin[]> {
    const prefix = addressBalancesPrefix(decodeAddress(address));
    const coins: Coin[] = [];
    const end = prefixEnd(prefix);
    for await (const [key, value] of ctx
      .store(STORE_NAME)
      .iterate(end === undefined ? { start: prefix } : { start: prefix, end }))
      coins.push({ denom: denomFromKey(key, prefix.length), amount: decodeAmount(value) });
    return coins;
  }

  getSupply(ctx: Context, denom: string): bigint {
    const bytes = ctx.store(STORE_NAME).get(sharedDenomKey(SUPPLY_PREFIX, denom));
    return bytes === undefined ? 0n : decodeAmount(bytes);
  }

  setSupply(ctx: Context, denom: string, amount: bigint): void {
    const key = sharedDenomKey(SUPPLY_PREFIX, denom);
    if (amount === 0n) ctx.store(STORE_NAME).delete(key);
    else ctx.store(STORE_NAME).set(key, encodeAmount(amount));
  }

  params(ctx: Context): BankParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    if (bytes === undefined) return { defaultSendEnabled: true };
    // Read (and charged) by every MsgSend, but they almost never change: decode each distinct value once.
    const last = this.#lastParams;
    if (last !== undefined && bytesEqual(last.bytes, bytes)) return { ...last.params };
    const params = { defaultSendEnabled: Params.decode(bytes).defaultSendEnabled };
    this.#lastParams = { bytes: bytes.slice(), params };
    return { ...params };
  }

  setParams(ctx: Context, params: BankParams): void {
    ctx
      .store(STORE_NAME)
      .set(
        PARAMS_KEY,
        Params.encode({ sendEnabled: [], defaultSendEnabled: params.defaultSendEnabled }).finish(),
      );
  }

  isSendEnabled(ctx: Context, denom: string): boolean {
    const flag = ctx.store(STORE_NAME).get(sharedDenomKey(SEND_ENABLED_PREFIX, denom));
    return flag === undefined ? this.params(ctx).defaultSendEnabled : flag[0] === 1;
  }

  setSendEnabled(ctx: Context, denom: string, enabled: boolean): void {
    ctx.store(STORE_NAME).set(sharedDenomKey(SEND_ENABLED_PREFIX, denom), Uint8Array.of(enabled ? 1 : 0));
  }

  nativeDenom(ctx: Context): string {
    const bytes = ctx.store(STORE_NAME).get(NATIVE_DENOM_KEY);
    return bytes === undefined ? DEFAULT_NATIVE_DENOM : new TextDecoder().decode(bytes);
  }

  setNativeDenom(ctx: Context, denom: string): void {
    ctx.store(STORE_NAME).set(NATIVE_DENOM_KEY, new TextEncoder().encode(denom));
  }

  /** Debits every coin or none: all balances are checked before anything is written. */
  #debit(ctx: Context, address: string, coins: readonly Coin[]): void {
    if (coins.length === 1) {
      // The common case (one fee or transfer denom) without intermediate arrays.
      const coin = coins[0]!;
      const balance = this.getBalance(ctx, address, coin.denom);
      if (balance < coin.amount) throw insufficientFunds({ denom: coin.denom, amount: balance }, coin);
      this.setBalance(ctx, address, coin.denom, balance - coin.amount);
    } else {
      const balances = coins.map((coin) => this.getBalance(ctx, address, coin.denom));
      for (const [index, coin] of coins.entries()) {
        const balance = balances[index]!;
        if (balance < coin.amount) throw insufficientFunds({ denom: coin.denom, amount: balance }, coin);
      }
      for (const [index, coin] of coins.entries())
        this.setBalance(ctx, address, coin.denom, balances[index]! - coin.amount);
    }
  }

  /** Credits every coin; `amount` is formatCoins(coins) for the coin_received event, undefined for none. */
  #add(ctx: Context, address: string, coins: readonly Coin[], amount: string | undefined): void {
    this.#credit(ctx, address, coins);
    if (amount !== undefined) ctx.events.emit("coin_received", { receiver: address, amount });
  }

  #credit(ctx: Context, address: string, coins: readonly Coin[]): void {
    for (const coin of coins)
      this.setBalance(ctx, address, coin.denom, this.getBalance(ctx, address, coin.denom) + coin.amount);
  }

  /** x/bank SendCoins: moves coins, creates the recipient's account on first funding, emits
   * coin_spent, coin_received, transfer and message{sender}. Coins must be validated (sorted, positive).
   * In checkTx (check and recheck modes) no events are built: CometBFT neither indexes nor needs a
   * CheckTx's events, and the store accesses, hence the gas, are the same as in deliver mode. */
  sendCoins(ctx: Context, from: string, to: string, coins: readonly Coin[]): void {
    if (ctx.mode === "check" || ctx.mode === "recheck") {
      this.#debit(ctx, from, coins);
      this.#credit(ctx, to, coins);
      if (!this.accounts.hasAccount(ctx, to)) this.accounts.createAccount(ctx, to);
      return;
    }
    this.#debit(ctx, from, coins);
    // The events' attributes are built once each and shared where two events carry the same one with
    // the same index flag (the amount in three, the sender in two): a delivered tx's events live with
    // its result until the block is stored, and a transfer emitted eight attributes for five values.
    const amount = eventAttribute("coin_spent", "amount", formatCoins(coins));
    ctx.events.emitAttributes("coin_spent", [eventAttribute("coin_spent", "spender", from), amount]);
    this.#credit(ctx, to, coins);
    const receivedAmount = sameAttribute(amount, "coin_received");
    ctx.events.emitAttributes("coin_received", [
      eventAttribute("coin_received", "receiver", to),
      receivedAmount,
    ]);
    if (!this.accounts.hasAccount(ctx, to)) this.accounts.createAccount(ctx, to);
    const sender = eventAttribute("transfer", "sender", from);
    ctx.events.emitAttributes("transfer", [
      eventAttribute("transfer", "recipient", to),
      sender,
      sameAttribute(amount, "transfer"),
    ]);
    ctx.events.emitAttributes("message", [sameAttribute(sender, "message")]);
  }

  sendCoinsFromAccountToModule(ctx: Context, from: string, moduleName: string, coins: readonly Coin[]): void {
    this.sendCoins(ctx, from, this.accounts.moduleAddress(moduleName), coins);
  }

  sendCoinsFromModuleToAccount(ctx: Context, moduleName: string, to: string, coins: readonly Coin[]): void {
    this.sendCoins(ctx, this.accounts.moduleAddress(moduleName), to, coins);
  }

  /** Creates coins in a module account (genesis, future minting); supply grows with them. */
  mintCoins(ctx: Context, address: string, coins: readonly Coin[]): void {
    for (const coin of coins) this.setSupply(ctx, coin.denom, this.getSupply(ctx, coin.denom) + coin.amount);
    this.#add(ctx, address, coins, formatCoins(coins));
    if (!this.accounts.hasAccount(ctx, address)) this.accounts.createAccount(ctx, address);
  }

  /** Every balance as (address, coin), in key order. */
  async *iterateAllBalances(ctx: Context): AsyncIterable<{ address: string; coin: Coin }> {
    const range = { start: Uint8Array.of(BALANCES_PREFIX), end: Uint8Array.of(BALANCES_PREFIX + 1) };
    for await (const [key, value] of ctx.store(STORE_NAME).iterate(range)) {
      const { address, denom } = parseBalanceKey(key);
      yield { address, coin: { denom, amount: decodeAmount(value) } };
    }
  }

  async getTotalSupply(ctx: Context): Promise<Coin[]> {
    const range = { start: Uint8Array.of(SUPPLY_PREFIX), end: Uint8Array.of(SUPPLY_PREFIX + 1) };
    const supply: Coin[] = [];
    for await (const [key, value] of ctx.store(STORE_NAME).iterate(range))
      supply.push({ denom: denomFromKey(key, 1), amount: decodeAmount(value) });
    return supply;
  }

  async getSendEnabledEntries(ctx: Context): Promise<{ denom: string; enabled: boolean }[]> {
    const range = { start: Uint8Array.of(SEND_ENABLED_PREFIX), end: Uint8Array.of(SEND_ENABLED_PREFIX + 1) };
    const entries: { denom: string; enabled: boolean }[] = [];
    for await (const [key, value] of ctx.store(STORE_NAME).iterate(range))
      entries.push({ denom: denomFromKey(key, 1), enabled: value[0] === 1 });
    return entries;
  }
}
