// Verdicts of signature checks, so each tx signature is verified once: in checkTx, or before it by
// the node's verification pool (Application.addSignatureVerdicts), and not again in prepareProposal,
// recheck or finalizeBlock. A verdict is bound to the exact inputs of the verification: the tx (its
// hash covers body, auth info and signature), signer index, sign bytes and public key. Verdicts live
// on the decoded tx (DecodedSigner.verdict), where the sign bytes are fixed but for chain id and account
// number, so those two stand for the sign bytes: the lookup compares them and the key to what the ante
// handler computed, so a verdict is never used for other bytes and a miss just means verifying again.
// Kept with the tx, a pending tx's verdict costs no map entry keyed by its hash, no record of its own
// and no copy of its sign bytes (~300 bytes off the heap): these survived scavenges with every tx.
import type { SignatureVerdict } from "./abci.ts";
import type { DecodedTx, VerdictMemo } from "./tx.ts";

/** Negative verdicts, also by tx hash: so a bad tx resubmitted in a burst (another array, decoded
 * again) is not verified again; small, because an attacker can mint them for free. */
export const MAX_REJECTED_SIGNATURE_ENTRIES = 1_024;
/** Account numbers of recent signers (address → number): the signers of a full mempool (CometBFT
 * default 5,000 txs) and the blocks in flight, with headroom. About 120 bytes each. */
export const MAX_SIGNER_ACCOUNT_NUMBERS = 50_000;

export class SignatureCache {
  /** tx hash (hex) → negative verdicts by signer index. */
  readonly #invalid = new Map<string, (VerdictMemo | undefined)[]>();
  readonly #accountNumbers = new Map<string, bigint>();

  /** true / false when this exact verification was done before, undefined when it must be done. */
  verdict(
    tx: DecodedTx,
    signerIndex: number,
    chainId: string,
    accountNumber: bigint,
    publicKey: Uint8Array,
  ): boolean | undefined {
    const own = tx.signerInfos[signerIndex]?.verdict;
    if (own !== undefined && matches(own, chainId, accountNumber, publicKey)) return own.valid;
    const rejected = this.#invalid.get(tx.hashHex)?.[signerIndex];
    if (rejected !== undefined && matches(rejected, chainId, accountNumber, publicKey)) return false;
    return undefined;
  }

  /** Records a verification of `tx`'s signature `signerIndex` against the sign bytes made with
   * `chainId` and `accountNumber`, and `publicKey`. */
  add(
    tx: DecodedTx,
    signerIndex: number,
    chainId: string,
    accountNumber: bigint,
    publicKey: Uint8Array,
    valid: boolean,
  ): void {
    const memo: VerdictMemo = { chainId, accountNumber, publicKey, valid };
    const signer = tx.signerInfos[signerIndex];
    if (signer !== undefined) {
      signer.verdict = memo;
      // The sign bytes were kept for this verification only.
      signer.signBytes = undefined;
    }
    if (valid) return;
    let rejected = this.#invalid.get(tx.hashHex);
    if (rejected === undefined) {
      if (this.#invalid.size >= MAX_REJECTED_SIGNATURE_ENTRIES)
        this.#invalid.delete(this.#invalid.keys().next().value!);
      rejected = [];
      this.#invalid.set(tx.hashHex, rejected);
    }
    rejected[signerIndex] = memo;
  }

  /** A verdict computed elsewhere (the pool) for a check of `tx` from pendingSignatureChecks: kept only
   * if its signature is the tx's and its sign bytes are those the tx's memo made, whose chain id and
   * account number then bind it; anything else is dropped (and verified again when needed). */
  addComputed(tx: DecodedTx, verdict: SignatureVerdict): void {
    const index = verdict.signerIndex;
    const signature = tx.signatures[index];
    const made = tx.signerInfos[index]?.signBytes;
    if (signature === undefined || made === undefined) return;
    if (!equal(made.bytes, verdict.signBytes) || !equal(signature, verdict.signature)) return;
    this.add(tx, index, made.chainId, made.accountNumber, verdict.publicKey, verdict.valid);
  }

  /** Whether every signature of `tx` has a positive verdict (for some bytes): a cheap pre-filter for
   * callers deciding what to send to a verifier. The ante handler still compares the binding. */
  covers(tx: DecodedTx): boolean {
    const { signatures, signerInfos } = tx;
    if (signatures.length > signerInfos.length) return false;
    for (let i = 0; i < signatures.length; i++) if (signerInfos[i]!.verdict?.valid !== true) return false;
    return true;
  }

  /** A committed tx can never be valid again (its sequence is used), so its entries are dropped. */
  delete(txHash: string): void {
    this.#invalid.delete(txHash);
  }

  /** The account number `address` had when the ante handler last read it: the pre-verification
   * builds sign bytes with it instead of reading the account again (a store read per signature). Only
   * a guess: account numbers never change once assigned, and should one differ, the ante handler's
   * own binding does not match the verdict's and it verifies again. */
  accountNumberHint(address: string): bigint | undefined {
    return this.#accountNumbers.get(address);
  }

  noteAccountNumber(address: string, accountNumber: bigint): void {
    const known = this.#accountNumbers.get(address);
    if (known === accountNumber) return;
    if (known === undefined && this.#accountNumbers.size >= MAX_SIGNER_ACCOUNT_NUMBERS)
      this.#accountNumbers.delete(this.#accountNumbers.keys().next().value!);
    this.#accountNumbers.set(address, accountNumber);
  }
}

function matches(
  verdict: VerdictMemo,
  chainId: string,
  accountNumber: bigint,
  publicKey: Uint8Array,
): boolean {
  return (
    verdict.accountNumber === accountNumber &&
    verdict.chainId === chainId &&
    equal(verdict.publicKey, publicKey)
  );
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
