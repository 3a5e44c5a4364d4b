// Verdicts of signature checks, so each tx signature is verified once: in checkTx, or before it by
// the node's verification pool (Application.addSignatureVerdicts), and not again in prepareProposal,
// recheck or finalizeBlock. A verdict is bound to the exact inputs of the verification: tx hash
// (which covers body, auth info and signature), signer index, sign bytes (which carry chain id and
// account number) and public key; the lookup compares all of them to what the ante handler computed,
// so a verdict is never used for other bytes and a miss just means verifying again.

/** Positive verdicts: a full mempool (CometBFT default 5,000) plus blocks in flight, with headroom;
 * oldest are evicted first. About 400 bytes each. */
export const MAX_SIGNATURE_CACHE_ENTRIES = 50_000;
/** Negative verdicts: only so a bad tx resubmitted in a burst is not verified again; small, because
 * an attacker can mint them for free and they must not evict the positive ones. */
export const MAX_REJECTED_SIGNATURE_ENTRIES = 1_024;
/** Account numbers of recent signers (address → number), as many as positive verdicts: the signers of
 * a full mempool and the blocks in flight. About 120 bytes each. */
export const MAX_SIGNER_ACCOUNT_NUMBERS = 50_000;

interface Verdict {
  signBytes: Uint8Array;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

export class SignatureCache {
  /** tx hash (hex) → verdicts by signer index. */
  readonly #valid = new Map<string, (Verdict | undefined)[]>();
  readonly #invalid = new Map<string, (Verdict | undefined)[]>();
  readonly #accountNumbers = new Map<string, bigint>();

  /** true / false when this exact verification was done before, undefined when it must be done. */
  verdict(
    txHash: string,
    signerIndex: number,
    signBytes: Uint8Array,
    publicKey: Uint8Array,
    signature: Uint8Array,
  ): boolean | undefined {
    if (matches(this.#valid.get(txHash)?.[signerIndex], signBytes, publicKey, signature)) return true;
    if (matches(this.#invalid.get(txHash)?.[signerIndex], signBytes, publicKey, signature)) return false;
    return undefined;
  }

  add(
    txHash: string,
    signerIndex: number,
    signBytes: Uint8Array,
    publicKey: Uint8Array,
    signature: Uint8Array,
    valid: boolean,
  ): void {
    const map = valid ? this.#valid : this.#invalid;
    const limit = valid ? MAX_SIGNATURE_CACHE_ENTRIES : MAX_REJECTED_SIGNATURE_ENTRIES;
    let verdicts = map.get(txHash);
    if (verdicts === undefined) {
      if (map.size >= limit) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      verdicts = [];
      map.set(txHash, verdicts);
    }
    verdicts[signerIndex] = { signBytes, publicKey, signature };
  }

  /** Whether every one of the tx's `signatures` has a positive verdict (for some bytes): a cheap
   * pre-filter for callers deciding what to send to a verifier. The ante handler still compares bytes. */
  covers(txHash: string, signatures: number): boolean {
    const verdicts = this.#valid.get(txHash);
    if (verdicts === undefined) return false;
    for (let i = 0; i < signatures; i++) if (verdicts[i] === undefined) return false;
    return true;
  }

  /** A committed tx can never be valid again (its sequence is used), so its entries are dropped. */
  delete(txHash: string): void {
    this.#valid.delete(txHash);
    this.#invalid.delete(txHash);
  }

  /** The account number `address` had when the ante handler last read it: the pre-verification
   * builds sign bytes with it instead of reading the account again (a store read per signature). Only
   * a guess: account numbers never change once assigned, and should one differ, the ante handler's
   * own sign bytes do not match the verdict's and it verifies again. */
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

  /** Txs with at least one positive verdict. */
  get size(): number {
    return this.#valid.size;
  }
}

function matches(
  verdict: Verdict | undefined,
  signBytes: Uint8Array,
  publicKey: Uint8Array,
  signature: Uint8Array,
): boolean {
  return (
    verdict !== undefined &&
    equal(verdict.signBytes, signBytes) &&
    equal(verdict.publicKey, publicKey) &&
    equal(verdict.signature, signature)
  );
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
