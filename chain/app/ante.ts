// The ante handler: every check a tx must pass before its messages run, in the order of the
// Cosmos SDK's default AnteHandler (x/auth/ante). It writes only to the tx's own cache layer, which
// the caller drops on any error, so a rejected tx changes no state.
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { decodeAddress } from "../crypto/bech32.ts";
import { bytesEqual, toBase64, toHex } from "../crypto/hash.ts";
import { secp256k1Address, verifySecp256k1 } from "../crypto/secp256k1.ts";
import type { SignatureCheck } from "./abci.ts";
import type { AnteAccountKeeper, AnteBankKeeper } from "./ante-keepers.ts";
import { amountOf, type Coin, type DecCoin, formatCoins, requiredFees } from "./coins.ts";
import type { StoreContext } from "./context.ts";
import { sdkError } from "./errors.ts";
import { GasMeter, INFINITE_GAS } from "./gas.ts";
import { encodeSignDoc } from "./sign-doc.ts";
import type { SignatureCache } from "./signature-cache.ts";
import { type DecodedTx, txSigners, validateTxBasic } from "./tx.ts";

export const SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";
/** signing.SignMode values (cosmos.tx.signing.v1beta1). */
const SIGN_MODE_UNSPECIFIED = 0;
const SIGN_MODE_DIRECT = 1;
const SIGN_MODE_NAMES: Record<number, string> = {
  0: "SIGN_MODE_UNSPECIFIED",
  1: "SIGN_MODE_DIRECT",
  2: "SIGN_MODE_TEXTUAL",
  3: "SIGN_MODE_DIRECT_AUX",
  127: "SIGN_MODE_LEGACY_AMINO_JSON",
  191: "SIGN_MODE_EIP_191",
};
/** Bytes of a secp256k1 signature the SDK adds to a simulated tx's size (its signatures are empty). */
const SIMULATED_SIGNATURE_BYTES = 64n;
/** Bytes a paid fee adds to a tx beyond what cosmjs simulates ("auto" fees: an empty Fee and no sign
 * mode), besides the denom itself: the Fee's tag and length (2), one coin's tag and length (2), the
 * denom's tag and length (2), a uint64 amount of up to 20 digits with its tag and length (22), the gas
 * limit (tag + 10-byte varint), the sign mode (2) and two length prefixes that may grow a byte (2). */
const SIMULATED_FEE_BYTES_BESIDES_DENOM = 2n + 2n + 2n + 22n + 11n + 2n + 2n;
/** Nominal fee simulated for an empty one: the smallest amount, so the payer's balance after it has
 * at least as many digits (write gas) as after any real fee. */
const SIMULATED_FEE_AMOUNT = 1n;
/** Module account that receives fees (x/auth types.FeeCollectorName). */
export const FEE_COLLECTOR = "fee_collector";

export interface AnteEnvironment {
  chainId: string;
  maxTxBytes: number;
  minGasPrices: readonly DecCoin[];
  accounts: AnteAccountKeeper;
  bank: AnteBankKeeper;
  signatureCache: SignatureCache;
}

export interface AnteResult {
  signers: readonly string[];
  /** First signer and its sequence before this tx: what the mempool orders by. */
  sender: string;
  sequence: bigint;
}

export function runAnte(ctx: StoreContext, tx: DecodedTx, env: AnteEnvironment): AnteResult {
  const simulate = ctx.mode === "simulate";
  if (tx.bytes.length > env.maxTxBytes)
    throw sdkError(
      "txTooLarge",
      `tx size ${tx.bytes.length} bytes exceeds the limit of ${env.maxTxBytes} bytes`,
    );
  validateTxBasic(tx);

  const params = env.accounts.params(ctx);
  const memoBytes = Buffer.byteLength(tx.memo, "utf8");
  if (BigInt(memoBytes) > params.maxMemoCharacters)
    throw sdkError(
      "memoTooLarge",
      `maximum number of characters is ${params.maxMemoCharacters} but received ${memoBytes} characters`,
    );
  if (BigInt(tx.signatures.length) > params.txSigLimit)
    throw sdkError("tooManySignatures", `signatures: ${tx.signatures.length}, limit: ${params.txSigLimit}`);
  if (tx.timeoutHeight > 0n && ctx.height > tx.timeoutHeight)
    throw sdkError("txTimeoutHeight", `block height: ${ctx.height}, timeout height: ${tx.timeoutHeight}`);

  let sizeGas = params.txSizeCostPerByte * BigInt(tx.bytes.length);
  if (simulate) {
    for (const signature of tx.signatures)
      if (signature.length === 0) sizeGas += params.txSizeCostPerByte * SIMULATED_SIGNATURE_BYTES;
  }
  ctx.gasMeter.consume(sizeGas, "txSize");

  const signers = txSigners(tx);
  const signerInfos = tx.signerInfos;
  if (signers.length !== tx.signatures.length)
    throw sdkError(
      "unauthorized",
      `wrong number of signers; expected ${signers.length}, got ${tx.signatures.length}`,
    );
  if (signerInfos.length !== signers.length)
    throw sdkError(
      "unauthorized",
      `invalid number of signer; expected: ${signers.length}, got ${signerInfos.length}`,
    );
  const payer = tx.feePayer || signers[0]!;
  if (!signers.includes(payer)) throw sdkError("invalidRequest", `fee payer ${payer} is not a signer`);

  // Recheck re-applies a tx this application admitted (checkTx "new" put it in the mempool) to the
  // state after a block: it redoes what the block may have changed (params, timeout height, accounts,
  // sequences, balances, gas) and skips what it cannot (the signature as the SDK does, the node's
  // minimum fee, the account number noted at admission); its outcome is a full check's.
  const rechecking = ctx.mode === "recheck";
  const accounts = signers.map((address, index) => {
    const account = env.accounts.getAccount(ctx, address);
    if (account === undefined) throw sdkError("unknownAddress", `account ${address} does not exist`);
    if (!rechecking) env.signatureCache.noteAccountNumber(address, account.accountNumber);
    const info = signerInfos[index]!;
    const pubKey = signerPubKey(tx, address, index) ?? account.pubKey;
    if (pubKey === undefined) throw sdkError("invalidPubKey", `pubkey on account ${address} is not set`);
    return { account, info, pubKey };
  });

  for (const [index, { account, info, pubKey }] of accounts.entries()) {
    const mode = info.mode;
    if (!(simulate && (mode === undefined || mode === SIGN_MODE_UNSPECIFIED)) && mode !== SIGN_MODE_DIRECT) {
      const name = mode === undefined ? "multisig" : (SIGN_MODE_NAMES[mode] ?? "unknown");
      throw sdkError(
        "notSupported",
        `sign mode ${name} (${mode ?? "multi"}) is not supported; sign with SIGN_MODE_DIRECT`,
      );
    }
    ctx.gasMeter.consume(params.sigVerifyCostSecp256k1, "ante verify: secp256k1");
    // The SDK skips signatures on recheck (SigVerificationDecorator): they were verified at admission.
    if (simulate || rechecking) continue;
    let valid = env.signatureCache.verdict(tx, index, env.chainId, account.accountNumber, pubKey);
    if (valid === undefined) {
      const signBytes = signBytesOf(tx, index, env.chainId, account.accountNumber);
      valid = verifySecp256k1(tx.signatures[index]!, signBytes, pubKey);
      env.signatureCache.add(tx, index, env.chainId, account.accountNumber, pubKey, valid);
    }
    if (!valid) {
      throw sdkError(
        "unauthorized",
        `signature verification failed; please verify account number (${account.accountNumber}) and chain-id (${env.chainId})`,
      );
    }
  }

  for (const { account, info } of accounts) {
    if (info.sequence !== account.sequence)
      throw sdkError(
        "wrongSequence",
        `account sequence mismatch, expected ${account.sequence}, got ${info.sequence}`,
      );
  }

  const checking = ctx.mode === "check" || rechecking;
  // The node's prices and the tx's fee and gas limit are what they were at admission.
  if (ctx.mode === "check") checkMinimumFee(tx, env.minGasPrices);
  if (tx.fee.length > 0) env.bank.sendCoinsFromAccountToModule(ctx, payer, FEE_COLLECTOR, tx.fee);
  else if (simulate) chargeSimulatedFee(ctx, payer, env, params.txSizeCostPerByte);
  // CheckTx's events are neither indexed nor used: build them only where they are kept.
  if (!checking) ctx.events.emit("tx", { fee: formatCoins(tx.fee), fee_payer: payer });

  for (const [index, { account, pubKey }] of accounts.entries()) {
    env.accounts.updateAccount(ctx, { ...account, pubKey, sequence: account.sequence + 1n });
    if (checking) continue;
    ctx.events.emit("tx", { acc_seq: `${account.address}/${account.sequence}` });
    ctx.events.emit("tx", { signature: toBase64(tx.signatures[index]!) });
  }
  return { signers, sender: signers[0]!, sequence: accounts[0]!.account.sequence };
}

/** The signatures of `tx` with the exact bytes the ante handler will verify against this state, minus
 * those already in the cache; a signer it cannot resolve (unknown account, bad key) is left out, and
 * the ante handler reports it. Reads only. */
export function pendingSignatureChecks(
  readContext: () => StoreContext,
  tx: DecodedTx,
  env: AnteEnvironment,
): SignatureCheck[] {
  const checks: SignatureCheck[] = [];
  if (env.signatureCache.covers(tx)) return checks;
  const signers = txSigners(tx);
  const signerInfos = tx.signerInfos;
  for (const [index, address] of signers.entries()) {
    const signature = tx.signatures[index];
    const info = signerInfos[index];
    if (signature === undefined || info === undefined) break;
    let publicKey: Uint8Array | undefined;
    try {
      publicKey = signerPubKey(tx, address, index);
    } catch {
      continue;
    }
    // The account is read only when the hint or the key is missing: the ante handler reads it anyway
    // and checks that the verdict was computed for its own sign bytes and key.
    let accountNumber = publicKey === undefined ? undefined : env.signatureCache.accountNumberHint(address);
    if (accountNumber === undefined) {
      const account = env.accounts.getAccount(readContext(), address);
      if (account === undefined) continue;
      env.signatureCache.noteAccountNumber(address, account.accountNumber);
      accountNumber = account.accountNumber;
      publicKey ??= account.pubKey;
    }
    if (publicKey === undefined) continue;
    if (env.signatureCache.verdict(tx, index, env.chainId, accountNumber, publicKey) !== undefined) continue;
    const signBytes = signBytesOf(tx, index, env.chainId, accountNumber);
    checks.push({ txHash: tx.hash, signerIndex: index, signBytes, publicKey, signature });
  }
  return checks;
}

/** cosmjs "auto" fees simulate a tx with an empty fee, then send it with a fee of gas × 1.4 × price:
 * skipping the deduction made simulated gas ~9,400 lower than the real execution's, and small
 * messages ran out of gas. So an empty fee is simulated as a nominal one in the native denom: the
 * bytes it would add to the tx, and the deduction itself (same store accesses as a real fee) against
 * the simulation's throw-away state, when the payer holds any of that denom. The lookups deciding
 * this are not charged: a real tx does not make them. */
function chargeSimulatedFee(
  ctx: StoreContext,
  payer: string,
  env: AnteEnvironment,
  txSizeCostPerByte: bigint,
): void {
  const probe = ctx.withGasMeter(new GasMeter(INFINITE_GAS));
  const denom = env.bank.nativeDenom(probe);
  const feeBytes = SIMULATED_FEE_BYTES_BESIDES_DENOM + BigInt(Buffer.byteLength(denom, "utf8"));
  ctx.gasMeter.consume(txSizeCostPerByte * feeBytes, "txSize");
  if (env.bank.getBalance(probe, payer, denom) < SIMULATED_FEE_AMOUNT) return;
  env.bank.sendCoinsFromAccountToModule(ctx, payer, FEE_COLLECTOR, [{ denom, amount: SIMULATED_FEE_AMOUNT }]);
}

/** The node-local mempool filter: the fee must cover gas × price in at least one priced denom. */
function checkMinimumFee(tx: DecodedTx, minGasPrices: readonly DecCoin[]): void {
  if (minGasPrices.length === 0) return;
  const required = requiredFeesMemo(minGasPrices, tx.gasLimit);
  if (required.every((coin) => coin.amount === 0n)) return;
  if (required.some((coin) => amountOf(tx.fee, coin.denom) >= coin.amount)) return;
  throw sdkError(
    "insufficientFee",
    `insufficient fees; got: ${formatCoins(tx.fee) || "0"} required: ${formatCoins(required)}`,
  );
}

/** The last requiredFees result: a node's min gas prices are fixed and clients mostly use the same
 * gas limit, and the bigint arithmetic cost ~1-2 µs per checkTx. */
let lastRequiredFees: { prices: readonly DecCoin[]; gasLimit: bigint; fees: readonly Coin[] } | undefined;

function requiredFeesMemo(prices: readonly DecCoin[], gasLimit: bigint): readonly Coin[] {
  const last = lastRequiredFees;
  if (last !== undefined && last.prices === prices && last.gasLimit === gasLimit) return last.fees;
  const fees = Object.freeze(requiredFees(prices, gasLimit).map((coin) => Object.freeze(coin)));
  lastRequiredFees = { prices, gasLimit, fees };
  return fees;
}

/** Sign bytes per decoded tx and signer index, for the chain id and account number they were made
 * with, from the check at ingress until its verdict comes back (SignatureCache.addComputed binds the
 * verdict with them, then drops them). */
function signBytesOf(tx: DecodedTx, index: number, chainId: string, accountNumber: bigint): Uint8Array {
  const signer = tx.signerInfos[index]!;
  const known = signer.signBytes;
  if (known !== undefined && known.chainId === chainId && known.accountNumber === accountNumber)
    return known.bytes;
  const bytes = encodeSignDoc(tx.bodyBytes, tx.authInfoBytes, chainId, accountNumber);
  signer.signBytes = { chainId, accountNumber, bytes };
  return bytes;
}

/** The signer's key, checked against its address once per decoded tx and signer index: the check
 * (sha256, ripemd160, bech32) is a pure function of the tx bytes, and a decoded tx is reused from
 * checkTx to recheck and finalizeBlock. A failed check is not kept: it throws every time. */
function signerPubKey(tx: DecodedTx, address: string, index: number): Uint8Array | undefined {
  const signer = tx.signerInfos[index];
  if (signer === undefined) return undefined;
  if (signer.key !== undefined) return signer.key ?? undefined;
  const key =
    signer.keyTypeUrl === undefined
      ? undefined
      : checkSignerPubKey(signer.keyTypeUrl, signer.keyValue!, address, index);
  signer.key = key ?? null;
  signer.keyValue = undefined;
  return key;
}

/** The secp256k1 key in a SignerInfo, checked to hash to the signer's address (code 8 otherwise). */
function checkSignerPubKey(typeUrl: string, value: Uint8Array, address: string, index: number): Uint8Array {
  if (typeUrl !== SECP256K1_PUBKEY_TYPE_URL)
    throw sdkError(
      "invalidPubKey",
      `unsupported public key type ${typeUrl}; only secp256k1 accounts are supported`,
    );
  let key: Uint8Array;
  // The shape every wallet sends (field 1, 33 bytes, nothing else): a view, no decoder and no copy.
  if (value.length === 2 + 33 && value[0] === 0x0a && value[1] === 33) key = value.subarray(2);
  else {
    try {
      key = PubKey.decode(value).key;
    } catch {
      throw sdkError("invalidPubKey", `malformed secp256k1 public key of signer ${index}`);
    }
  }
  if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3))
    throw sdkError("invalidPubKey", `secp256k1 public key of signer ${index} must be 33 compressed bytes`);
  const keyHex = toHex(key);
  if (addressOfCheckedKey.get(keyHex) === address) return key;
  if (!bytesEqual(secp256k1Address(key), decodeAddress(address)))
    throw sdkError(
      "invalidPubKey",
      `pubKey does not match signer address ${address} with signer index: ${index}`,
    );
  if (addressOfCheckedKey.size >= MAX_CHECKED_KEYS)
    addressOfCheckedKey.delete(addressOfCheckedKey.keys().next().value!);
  addressOfCheckedKey.set(keyHex, address);
  return key;
}

/** Keys (hex) that hashed to an address, as spelled in the tx that showed it: the next tx of the same
 * account skips sha256, ripemd160 and bech32 (~5 µs). Recent signers of a mempool and a block with
 * headroom; oldest dropped first. Only matches are kept: a mismatch is checked again every time. */
const MAX_CHECKED_KEYS = 20_000;
const addressOfCheckedKey = new Map<string, string>();
