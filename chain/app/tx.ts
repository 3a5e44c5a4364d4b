// Decoding of Cosmos SDK txs (TxRaw → TxBody, AuthInfo, messages) and their stateless checks.
// body_bytes and auth_info_bytes are kept exactly as received: they are what was signed.
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { sha256, toHex } from "../crypto/hash.ts";
import { type Coin, parseCoins } from "./coins.ts";
import { AbciError, sdkError, wrapError } from "./errors.ts";
import type { MsgHandler } from "./module.ts";
import { decodeCommonTx } from "./tx-decode.ts";

export interface DecodedMsg {
  typeUrl: string;
  msg: unknown;
  handler: MsgHandler<unknown>;
}

/** Sign bytes made for one signer, with the chain id and account number they were made with. */
export interface SignBytesMemo {
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly bytes: Uint8Array;
}

/** A signature's verdict, bound to what its sign bytes were made of besides this tx's bytes (chain id
 * and account number) and to the key it was verified with: within one decoded tx (one tx hash: body,
 * auth info and signatures) that is the same binding as the exact sign bytes, key and signature. */
export interface VerdictMemo {
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly publicKey: Uint8Array;
  readonly valid: boolean;
}

/** One SignerInfo, as far as the ante handler reads it, and what the ante path memoizes for its signer. */
export interface DecodedSigner {
  /** public_key (an Any) as sent, if any: its type URL and value (dropped once `key` is known: a view
   * less with every pending tx). */
  readonly keyTypeUrl: string | undefined;
  keyValue: Uint8Array | undefined;
  /** mode_info.single.mode; undefined for a multisig or an absent mode info. */
  readonly mode: number | undefined;
  readonly sequence: bigint;
  /** The key once checked against the signer's address (ante.ts); null: the SignerInfo has none. */
  key: Uint8Array | null | undefined;
  /** Sign bytes (ante.ts), from the check at ingress until the signature's verdict binds them. */
  signBytes: SignBytesMemo | undefined;
  /** The signature's verdict (signature-cache.ts): kept with the tx it is about instead of in a map of
   * its own, so a pending tx holds no map entry, verdict record and sign bytes for it. */
  verdict: VerdictMemo | undefined;
}

/** A decoded tx: what the application reads of TxRaw, TxBody and AuthInfo, and what the ante path
 * computed from its bytes alone (pure functions of them, asked at ingress, in checkTx, recheck and
 * finalizeBlock). Flat rather than the decoders' nested messages: a pending tx lives through scavenges
 * into the old generation, and the nested TxRaw/TxBody/AuthInfo/SignerInfo/ModeInfo/Fee objects were a
 * dozen more objects each. The memos are fields rather than side weak maps: each weak map entry is an
 * ephemeron that every scavenge and mark-compact processes. */
export interface DecodedTx {
  bytes: Uint8Array;
  /** The message handlers it was decoded with: which application's decoding this is. */
  handlers: ReadonlyMap<string, MsgHandler<unknown>>;
  hash: Uint8Array;
  /** The hash in hex: the key of the decoded-tx and signature caches. */
  hashHex: string;
  /** TxRaw's fields, views of `bytes`: what was signed, and the signatures. */
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  signatures: Uint8Array[];
  memo: string;
  timeoutHeight: bigint;
  /** What validateTxBasic refuses besides messages and signatures: extension options (either kind),
   * unordered, a fee granter. */
  hasExtensionOptions: boolean;
  unordered: boolean;
  feeGranter: string;
  feePayer: string;
  signerInfos: DecodedSigner[];
  msgs: DecodedMsg[];
  fee: Coin[];
  gasLimit: bigint;
  /** txSigners' answer, once asked. */
  signers: readonly string[] | undefined;
  /** validateTxBasic passed. */
  validated: boolean;
}

/** Decodes a tx; any failure (bad protobuf, unknown message type) is code 2 as in the SDK's TxDecoder. */
export function decodeTx(
  bytes: Uint8Array,
  handlers: ReadonlyMap<string, MsgHandler<unknown>>,
  hash: Uint8Array = sha256(bytes),
  hashHex: string = toHex(hash),
): DecodedTx {
  const { raw, body, authInfo } = decodeCommonTx(bytes) ?? decodeAnyTx(bytes);
  const msgs = body.messages.map((any): DecodedMsg => {
    const handler = handlers.get(any.typeUrl);
    if (handler === undefined) throw sdkError("txDecode", `unable to resolve type URL ${any.typeUrl}`);
    let msg: unknown;
    try {
      msg = handler.decode(any.value);
    } catch (error) {
      throw sdkError("txDecode", `invalid ${any.typeUrl}: ${(error as Error).message}`);
    }
    return { typeUrl: any.typeUrl, msg, handler };
  });
  let fee: Coin[];
  try {
    fee = parseCoins(authInfo.fee?.amount ?? []);
  } catch (error) {
    throw error instanceof AbciError ? wrapError(error, "invalid fee") : error;
  }
  return {
    bytes,
    handlers,
    hash,
    hashHex,
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    signatures: raw.signatures,
    memo: body.memo,
    timeoutHeight: body.timeoutHeight,
    hasExtensionOptions: body.extensionOptions.length > 0 || body.nonCriticalExtensionOptions.length > 0,
    unordered: body.unordered,
    feeGranter: authInfo.fee?.granter ?? "",
    feePayer: authInfo.fee?.payer ?? "",
    signerInfos: authInfo.signerInfos.map(
      (info): DecodedSigner => ({
        keyTypeUrl: info.publicKey?.typeUrl,
        keyValue: info.publicKey?.value,
        mode: info.modeInfo?.single?.mode,
        sequence: info.sequence,
        key: undefined,
        signBytes: undefined,
        verdict: undefined,
      }),
    ),
    msgs,
    fee,
    gasLimit: authInfo.fee?.gasLimit ?? 0n,
    signers: undefined,
    validated: false,
  };
}

/** cosmjs-types' decoding, for whatever decodeCommonTx does not take. */
function decodeAnyTx(bytes: Uint8Array): { raw: TxRaw; body: TxBody; authInfo: AuthInfo } {
  try {
    const raw = TxRaw.decode(bytes);
    return { raw, body: TxBody.decode(raw.bodyBytes), authInfo: AuthInfo.decode(raw.authInfoBytes) };
  } catch (error) {
    throw sdkError("txDecode", `invalid tx bytes: ${(error as Error).message}`);
  }
}

/** Signers in order of first appearance over the messages (the SDK's GetSigners), once per decoded tx. */
export function txSigners(tx: DecodedTx): readonly string[] {
  tx.signers ??= Object.freeze(collectSigners(tx));
  return tx.signers;
}

function collectSigners(tx: DecodedTx): string[] {
  // One message with one signer (nearly every tx): an exact one-element list that lives with the
  // pending tx, instead of one grown by push (room for 17) and a set.
  if (tx.msgs.length === 1) {
    const { msg, handler } = tx.msgs[0]!;
    const signers = handler.signers(msg);
    if (signers.length === 1) return [signers[0]!];
  }
  const seen = new Set<string>();
  const signers: string[] = [];
  for (const { msg, handler } of tx.msgs) {
    for (const signer of handler.signers(msg)) {
      if (!seen.has(signer)) {
        seen.add(signer);
        signers.push(signer);
      }
    }
  }
  return signers;
}

/** Cheap checks of a body that need no state (once per decoded tx: checkTx and finalizeBlock reuse it). */
export function validateTxBasic(tx: DecodedTx): void {
  if (tx.validated) return;
  checkTxBasic(tx);
  tx.validated = true;
}

function checkTxBasic(tx: DecodedTx): void {
  if (tx.msgs.length === 0) throw sdkError("invalidRequest", "must contain at least one message");
  if (tx.hasExtensionOptions)
    throw sdkError("unknownExtensionOptions", "extension options are not supported");
  if (tx.unordered) throw sdkError("notSupported", "unordered transactions are not supported");
  if (tx.feeGranter) throw sdkError("notSupported", "fee grants are not supported");
  for (const [index, { msg, handler }] of tx.msgs.entries()) {
    try {
      handler.validateBasic(msg);
    } catch (error) {
      if (error instanceof AbciError && tx.msgs.length > 1) throw wrapError(error, `message ${index}`);
      throw error;
    }
  }
  if (tx.signatures.length === 0) throw sdkError("noSignatures");
}
