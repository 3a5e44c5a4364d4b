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

/** A decoded tx, and what the ante path computed from its bytes alone (pure functions of them, asked
 * at ingress, in checkTx, recheck and finalizeBlock). The memos are fields rather than side weak maps:
 * each weak map entry is an ephemeron that every scavenge and mark-compact processes, and the ~2,000
 * txs in flight at 2,000 tx/s had five of them (and a Map) each. */
export interface DecodedTx {
  bytes: Uint8Array;
  /** The message handlers it was decoded with: which application's decoding this is. */
  handlers: ReadonlyMap<string, MsgHandler<unknown>>;
  hash: Uint8Array;
  /** The hash in hex: the key of the decoded-tx and signature caches. */
  hashHex: string;
  raw: TxRaw;
  body: TxBody;
  authInfo: AuthInfo;
  msgs: DecodedMsg[];
  fee: Coin[];
  gasLimit: bigint;
  /** txSigners' answer, once asked. */
  signers: readonly string[] | undefined;
  /** validateTxBasic passed. */
  validated: boolean;
  /** Sign bytes by signer index (ante.ts), until the signature has a verdict. */
  signBytes: (SignBytesMemo | undefined)[] | undefined;
  /** Signature verdicts by signer index (signature-cache.ts): kept with the tx they are about instead of
   * in a map of their own, so a pending tx holds no map entry, verdict record and sign bytes for them. */
  verdicts: (VerdictMemo | undefined)[] | undefined;
  /** Each signer's key from its SignerInfo once checked against its address, by signer index
   * (ante.ts); null: the SignerInfo has no key. */
  signerKeys: (Uint8Array | null | undefined)[] | undefined;
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
    raw,
    body,
    authInfo,
    msgs,
    fee,
    gasLimit: authInfo.fee?.gasLimit ?? 0n,
    signers: undefined,
    validated: false,
    signBytes: undefined,
    verdicts: undefined,
    signerKeys: undefined,
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
  if (tx.body.extensionOptions.length > 0 || tx.body.nonCriticalExtensionOptions.length > 0)
    throw sdkError("unknownExtensionOptions", "extension options are not supported");
  if (tx.body.unordered) throw sdkError("notSupported", "unordered transactions are not supported");
  if (tx.authInfo.fee?.granter) throw sdkError("notSupported", "fee grants are not supported");
  for (const [index, { msg, handler }] of tx.msgs.entries()) {
    try {
      handler.validateBasic(msg);
    } catch (error) {
      if (error instanceof AbciError && tx.msgs.length > 1) throw wrapError(error, `message ${index}`);
      throw error;
    }
  }
  if (tx.raw.signatures.length === 0) throw sdkError("noSignatures");
}
