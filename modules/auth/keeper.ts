// x/auth keeper: accounts, account numbers, module accounts, params. Implements the ante handler's
// AnteAccountKeeper; other modules get the narrow BankAccountKeeper view.
import type { AccountState, AnteAccountKeeper, AuthParams } from "../../chain/app/ante-keepers.ts";
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

/** Accounts by the stored value they were decoded from or encoded to (its bytes as a latin1 string).
 * A signer's account is read at ingress (its sign bytes), in checkTx and in finalizeBlock, and decoding
 * it each time cost ~3-8 µs. By content, not by array: the store copies what it is given and reads of
 * committed state come back as fresh arrays (an array-keyed memo hit 3% of reads). The accounts of a
 * full mempool and a block in flight with headroom; oldest dropped first. Entries are never handed
 * out, only copies. */
const MAX_DECODED_ACCOUNTS = 20_000;
const decodedAccounts = new Map<string, AccountState>();

function decodeAccountCached(bytes: Uint8Array): AccountState {
  const content = contentKey(bytes);
  let account = decodedAccounts.get(content);
  if (account === undefined) {
    account = decodeAccount(bytes);
    remember(content, account);
  }
  return account;
}

function remember(content: string, account: AccountState): void {
  if (!decodedAccounts.has(content) && decodedAccounts.size >= MAX_DECODED_ACCOUNTS)
    decodedAccounts.delete(decodedAccounts.keys().next().value!);
  decodedAccounts.set(content, account);
}

function contentKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** The last encoding of each recent base account: a signer's account is updated to the same next
 * sequence in checkTx, again in finalizeBlock (and in recheck), and each encoding cost ~4 µs and an
 * array the store then copies (so sharing it between writes is safe). Bounded as the decoded
 * accounts; oldest dropped first. */
const lastEncodings = new Map<string, { account: AccountState; bytes: Uint8Array }>();

function encodeAccountCached(account: AccountState): Uint8Array {
  const last = lastEncodings.get(account.address);
  if (last !== undefined && sameBaseAccount(last.account, account)) return last.bytes;
  const bytes = encodeAccount(account);
  if (!decodesToItself(account)) return bytes;
  const copy: AccountState = {
    address: account.address,
    accountNumber: account.accountNumber,
    sequence: account.sequence,
    pubKey: account.pubKey?.slice(),
  };
  remember(contentKey(bytes), copy);
  if (last === undefined && lastEncodings.size >= MAX_DECODED_ACCOUNTS)
    lastEncodings.delete(lastEncodings.keys().next().value!);
  lastEncodings.set(account.address, { account: copy, bytes });
  return bytes;
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
    return { ...decodeAccountCached(bytes) };
  }

  hasAccount(ctx: Context, address: string): boolean {
    return ctx.store(STORE_NAME).has(sharedAccountKey(address));
  }

  /** Saves an account as is (genesis import, or an update of an existing one). */
  setAccount(ctx: Context, account: AccountState): void {
    ctx.store(STORE_NAME).set(sharedAccountKey(account.address), encodeAccountCached(account));
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
