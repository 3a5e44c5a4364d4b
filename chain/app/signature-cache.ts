// Remembers which txs already passed signature verification, so a tx is verified once in checkTx
// and not again in prepareProposal, recheck or finalizeBlock. Only positive verdicts are stored
// (a negative one costs an attacker nothing to repeat), and each is bound to the exact inputs of
// the sign bytes that came from state (account numbers, public keys), so a hit is sound.

/** Entries: a full mempool plus a block in flight, with headroom; oldest are evicted first. */
export const MAX_SIGNATURE_CACHE_ENTRIES = 50_000;

export class SignatureCache {
  readonly #verdicts = new Map<string, string>();

  has(txHash: string, inputs: string): boolean {
    return this.#verdicts.get(txHash) === inputs;
  }

  add(txHash: string, inputs: string): void {
    if (this.#verdicts.size >= MAX_SIGNATURE_CACHE_ENTRIES && !this.#verdicts.has(txHash)) {
      const oldest = this.#verdicts.keys().next().value;
      if (oldest !== undefined) this.#verdicts.delete(oldest);
    }
    this.#verdicts.set(txHash, inputs);
  }

  /** A committed tx can never be valid again (its sequence is used), so its entry is dropped. */
  delete(txHash: string): void {
    this.#verdicts.delete(txHash);
  }

  get size(): number {
    return this.#verdicts.size;
  }
}
