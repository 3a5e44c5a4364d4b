// Accounts as stored: google.protobuf.Any of BaseAccount or ModuleAccount (as x/auth stores them),
// converted to the AccountState the ante handler and other keepers use.
import { BaseAccount, ModuleAccount, Params } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Any } from "cosmjs-types/google/protobuf/any";
import { SECP256K1_PUBKEY_TYPE_URL } from "../../chain/app/ante.ts";
import type { AccountState, AuthParams } from "../../chain/app/ante-keepers.ts";

export const BASE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.BaseAccount";
export const MODULE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.ModuleAccount";

function baseAccount(account: AccountState): BaseAccount {
  const base: BaseAccount = {
    address: account.address,
    accountNumber: account.accountNumber,
    sequence: account.sequence,
  };
  // Omitted until set: cosmjs rejects an Any with a type URL and an empty value.
  if (account.pubKey !== undefined)
    base.pubKey = {
      typeUrl: SECP256K1_PUBKEY_TYPE_URL,
      value: PubKey.encode({ key: account.pubKey }).finish(),
    };
  return base;
}

/** The Any that is both the stored value and the Account query's `account` field. */
export function accountToAny(account: AccountState): Any {
  if (account.module !== undefined) {
    return {
      typeUrl: MODULE_ACCOUNT_TYPE_URL,
      value: ModuleAccount.encode({
        baseAccount: baseAccount(account),
        name: account.module.name,
        permissions: [...account.module.permissions],
      }).finish(),
    };
  }
  return { typeUrl: BASE_ACCOUNT_TYPE_URL, value: BaseAccount.encode(baseAccount(account)).finish() };
}

export function encodeAccount(account: AccountState): Uint8Array {
  return Any.encode(accountToAny(account)).finish();
}

function fromBase(base: BaseAccount | undefined): AccountState {
  if (base === undefined) throw new Error("stored module account without base account");
  let pubKey: Uint8Array | undefined;
  if (base.pubKey !== undefined && base.pubKey.value.length > 0)
    pubKey = PubKey.decode(base.pubKey.value).key;
  return { address: base.address, accountNumber: base.accountNumber, sequence: base.sequence, pubKey };
}

export function decodeAccount(bytes: Uint8Array): AccountState {
  const any = Any.decode(bytes);
  if (any.typeUrl === BASE_ACCOUNT_TYPE_URL) return fromBase(BaseAccount.decode(any.value));
  if (any.typeUrl === MODULE_ACCOUNT_TYPE_URL) {
    const module = ModuleAccount.decode(any.value);
    return {
      ...fromBase(module.baseAccount),
      module: { name: module.name, permissions: module.permissions },
    };
  }
  throw new Error(`stored account of unknown type ${any.typeUrl}`);
}

export function encodeParams(params: AuthParams): Uint8Array {
  return Params.encode(params).finish();
}

export function decodeParams(bytes: Uint8Array): AuthParams {
  return Params.decode(bytes);
}
