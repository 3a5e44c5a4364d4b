// x/auth keeper: accounts, account numbers, module accounts, params. Implements the ante handler's
// AnteAccountKeeper; other modules get the narrow BankAccountKeeper view.
import type { AccountState, AnteAccountKeeper, AuthParams } from "../../chain/app/ante-keepers.ts";
import { setOwned } from "../../chain/app/context.ts";
import type { Context } from "../../chain/app/module.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import { decodeAccount, decodeParams, encodeAccount, encodeParams } from "./codec.ts";
import {
  ACCOUNT_PREFIX,
  decodeUint64,
  encodeUint64,
  GLOBAL_ACCOUNT_NUMBER_KEY,
  moduleAddress,
  PARAMS_KEY,
  STORE_NAME,
  sharedAccountKey,
} from "./keys.ts";

/** x/auth DefaultParams. */
export const DEFAULT_AUTH_PARAMS: AuthParams = {
  maxMemoCharacters: 256n,
  txSigLimit: 7n,
  txSizeCostPerByte: 10n,
  sigVerifyCostEd25519: 590n,
  sigVerifyCostSecp256k1: 1000n,
};

/** What bank (and later modules that pay out) need from auth. */
export interface BankAccountKeeper {
  hasAccount(ctx: Context, address: string): boolean;
  /** Creates a base account with the next account number (first funding). */
  createAccount(ctx: Context, address: string): AccountState;
  moduleAddress(name: string): string;
  /** Module account names whose addresses must not receive funds through MsgSend. */
  isModuleAddress(address: string): boolean;
}

/** Recent stored versions of an account, newest first: its value and the account it decodes to. */
interface AccountVersion {
  readonly bytes: Uint8Array;
  readonly account: AccountState;
  /** `bytes` is encodeAccount(account): it may stand for the encoding of an equal account. */
  readonly encoded: boolean;
}

/** The versions kept per address: a pending signer's account is at once the committed version (which
 * finalizeBlock reads), the block's write (the next committed one, which recheck reads) and the check
 * state's write (checkTx and recheck), and the three are used in turn. With the last encoding per
 * address only (before), finalizeBlock and recheck encoded every account again: an app-only run of
 * 6,000 MsgSends with 2,000 pending made 28,001 encodings; with two versions recheck still did; with
 * three, 12,001 (one per tx: the check state's new sequence) and no decoding. */
const VERSIONS_PER_ACCOUNT = 3;
/** Accounts whose recent versions are kept: a signer's account is read at ingress (its sign bytes), in
 * checkTx, in finalizeBlock and in recheck, and written in the last three; decoding cost ~3-8 µs and
 * encoding ~4 µs and an array that the store keeps as it is (setOwned: nobody writes to it). The
 * signers of a full mempool (CometBFT default 5,000) and a block in flight, with headroom; least
 * recently written or missed first out. By address, compared by bytes: reads of committed state come
 * back as fresh arrays (an array-keyed memo hit 3% of reads),
 * and a by-content map made a key string per read and an entry per version that lived on in the old
 * generation. Entries are never handed out, only copies. */
const MAX_MEMOIZED_ACCOUNTS = 20_000;
const accountVersions = new Map<string, AccountVersion[]>();

function decodeAccountCached(address: string, bytes: Uint8Array): AccountState {
  const versions = accountVersions.get(address);
  if (versions !== undefined)
    for (const version of versions) if (bytesEqual(version.bytes, bytes)) return version.account;
  const account = decodeAccount(bytes);
  // A copy of the value: only our own encodings are known never to be written to.
  rememberVersion(address, { bytes: bytes.slice(), account, encoded: false });
  return account;
}

function encodeAccountCached(account: AccountState): Uint8Array {
  const versions = accountVersions.get(account.address);
  if (versions !== undefined)
    for (const version of versions)
      if (version.encoded && sameBaseAccount(version.account, account)) return version.bytes;
  const bytes = encodeAccount(account);
  if (!decodesToItself(account)) return bytes;
  // The key of the previous version when equal: an account's key rarely changes.
  const previousKey = versions?.[0]?.account.pubKey;
  const pubKey =
    account.pubKey === undefined
      ? undefined
      : previousKey !== undefined && bytesEqual(previousKey, account.pubKey)
        ? previousKey
        : account.pubKey.slice();
  const copy: AccountState = {
    address: account.address,
    accountNumber: account.accountNumber,
    sequence: account.sequence,
    pubKey,
  };
  rememberVersion(account.address, { bytes, account: copy, encoded: true });
  return bytes;
}

function rememberVersion(address: string, version: AccountVersion): void {
  let versions = accountVersions.get(address);
  if (versions === undefined) {
    if (accountVersions.size >= MAX_MEMOIZED_ACCOUNTS)
      accountVersions.delete(accountVersions.keys().next().value!);
    versions = [];
  } else accountVersions.delete(address);
  accountVersions.set(address, versions);
  versions.unshift(version);
  if (versions.length > VERSIONS_PER_ACCOUNT) versions.length = VERSIONS_PER_ACCOUNT;
}

/** `known` is a base account that decodes to itself; `account` encodes to the same bytes if equal. */
function sameBaseAccount(known: AccountState, account: AccountState): boolean {
  if (account.module !== undefined || "module" in account) return false;
  if (known.accountNumber !== account.accountNumber || known.sequence !== account.sequence) return false;
  if (known.pubKey === undefined || account.pubKey === undefined) return known.pubKey === account.pubKey;
  return bytesEqual(known.pubKey, account.pubKey);
}

/** Whether decodeAccount(encodeAccount(account)) gives `account` back field for field, so that it can
 * stand for its own encoding: a base account (module accounts keep more) whose key is absent or
 * non-empty (an empty one decodes as absent) and whose address survives UTF-8. */
function decodesToItself(account: AccountState): boolean {
  return (
    account.module === undefined &&
    !("module" in account) &&
    (account.pubKey === undefined || account.pubKey.length > 0) &&
    account.address.isWellFormed()
  );
}

export class AuthKeeper implements AnteAccountKeeper, BankAccountKeeper {
  /** Module accounts and their permissions, e.g. fee_collector: []. */
  readonly moduleAccounts: ReadonlyMap<string, readonly string[]>;
  readonly #moduleAddresses: Map<string, string>;
  #lastParams: { bytes: Uint8Array; params: AuthParams } | undefined;

  constructor(moduleAccounts: ReadonlyMap<string, readonly string[]>) {
    this.moduleAccounts = moduleAccounts;
    this.#moduleAddresses = new Map([...moduleAccounts.keys()].map((name) => [moduleAddress(name), name]));
  }

  params(ctx: Context): AuthParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    if (bytes === undefined) return DEFAULT_AUTH_PARAMS;
    // Read (and charged) for every tx, but they almost never change: decode each distinct value once.
    const last = this.#lastParams;
    if (last !== undefined && bytesEqual(last.bytes, bytes)) return last.params;
    const params = Object.freeze(decodeParams(bytes));
    this.#lastParams = { bytes: bytes.slice(), params };
    return params;
  }

  setParams(ctx: Context, params: AuthParams): void {
    ctx.store(STORE_NAME).set(PARAMS_KEY, encodeParams(params));
  }

  getAccount(ctx: Context, address: string): AccountState | undefined {
    const bytes = ctx.store(STORE_NAME).get(sharedAccountKey(address));
    if (bytes === undefined) return undefined;
    // A copy: callers own what they get.
    return { ...decodeAccountCached(address, bytes) };
  }

  hasAccount(ctx: Context, address: string): boolean {
    return ctx.store(STORE_NAME).has(sharedAccountKey(address));
  }

  /** Saves an account as is (genesis import, or an update of an existing one). */
  setAccount(ctx: Context, account: AccountState): void {
    // Neither the shared key nor a remembered encoding is ever written to: the cache keeps them as they are.
    setOwned(ctx.store(STORE_NAME), sharedAccountKey(account.address), encodeAccountCached(account));
  }

  updateAccount(ctx: Context, account: AccountState): void {
    this.setAccount(ctx, account);
  }

  createAccount(ctx: Context, address: string): AccountState {
    const account: AccountState = {
      address,
      accountNumber: this.nextAccountNumber(ctx),
      sequence: 0n,
      pubKey: undefined,
    };
    this.setAccount(ctx, account);
    return account;
  }

  /** Returns the next account number and advances the global counter. */
  nextAccountNumber(ctx: Context): bigint {
    const store = ctx.store(STORE_NAME);
    const bytes = store.get(GLOBAL_ACCOUNT_NUMBER_KEY);
    const next = bytes === undefined ? 0n : decodeUint64(bytes);
    store.set(GLOBAL_ACCOUNT_NUMBER_KEY, encodeUint64(next + 1n));
    return next;
  }

  peekNextAccountNumber(ctx: Context): bigint {
    const bytes = ctx.store(STORE_NAME).get(GLOBAL_ACCOUNT_NUMBER_KEY);
    return bytes === undefined ? 0n : decodeUint64(bytes);
  }

  setNextAccountNumber(ctx: Context, next: bigint): void {
    ctx.store(STORE_NAME).set(GLOBAL_ACCOUNT_NUMBER_KEY, encodeUint64(next));
  }

  moduleAddress(name: string): string {
    return moduleAddress(name);
  }

  isModuleAddress(address: string): boolean {
    return this.#moduleAddresses.has(address);
  }

  /** The module account, created on first use as the SDK's GetModuleAccount does. */
  getOrCreateModuleAccount(ctx: Context, name: string): AccountState {
    const permissions = this.moduleAccounts.get(name);
    if (permissions === undefined) throw new Error(`module account ${name} is not registered`);
    const address = moduleAddress(name);
    const existing = this.getAccount(ctx, address);
    if (existing !== undefined) return existing;
    const account: AccountState = {
      address,
      accountNumber: this.nextAccountNumber(ctx),
      sequence: 0n,
      pubKey: undefined,
      module: { name, permissions },
    };
    this.setAccount(ctx, account);
    return account;
  }

  /** Every account in address order. */
  async *iterateAccounts(ctx: Context): AsyncIterable<AccountState> {
    const start = Uint8Array.of(ACCOUNT_PREFIX);
    const end = Uint8Array.of(ACCOUNT_PREFIX + 1);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end })) yield decodeAccount(value);
  }
}
