// The narrow keeper interfaces the ante handler needs from auth and bank. The modules implement
// them; chain/app never imports a module.
import type { Coin } from "./coins.ts";
import type { Context } from "./module.ts";

/** x/auth Params as the ante handler uses them (SDK defaults in modules/auth/genesis.ts). */
export interface AuthParams {
  maxMemoCharacters: bigint;
  txSigLimit: bigint;
  txSizeCostPerByte: bigint;
  sigVerifyCostEd25519: bigint;
  sigVerifyCostSecp256k1: bigint;
}

export interface AccountState {
  address: string;
  accountNumber: bigint;
  sequence: bigint;
  /** Compressed secp256k1 key, once the account has signed a tx. */
  pubKey: Uint8Array | undefined;
  /** Set for module accounts (fee_collector, ...), which keep their type when saved. */
  module?: { name: string; permissions: readonly string[] };
}

export interface AnteAccountKeeper {
  params(ctx: Context): AuthParams;
  getAccount(ctx: Context, address: string): AccountState | undefined;
  /** Saves sequence and public key of an existing account (keeps its type: base or module). */
  updateAccount(ctx: Context, account: AccountState): void;
}

export interface AnteBankKeeper {
  /** Moves coins to a module account; throws insufficientFunds (code 5) with the SDK's log. */
  sendCoinsFromAccountToModule(
    ctx: Context,
    sender: string,
    moduleName: string,
    coins: readonly Coin[],
  ): void;
  /** The fee denom, and balances: what simulation needs to charge a nominal fee (see ante.ts). */
  nativeDenom(ctx: Context): string;
  getBalance(ctx: Context, address: string, denom: string): bigint;
}

export function isAnteAccountKeeper(keeper: object): keeper is AnteAccountKeeper {
  const k = keeper as Partial<AnteAccountKeeper>;
  return (
    typeof k.params === "function" &&
    typeof k.getAccount === "function" &&
    typeof k.updateAccount === "function"
  );
}

export function isAnteBankKeeper(keeper: object): keeper is AnteBankKeeper {
  const k = keeper as Partial<AnteBankKeeper>;
  return (
    typeof k.sendCoinsFromAccountToModule === "function" &&
    typeof k.nativeDenom === "function" &&
    typeof k.getBalance === "function"
  );
}
