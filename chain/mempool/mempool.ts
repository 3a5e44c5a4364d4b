// Pending txs between checkTx and a block. Bounded in count and bytes; a sender's txs are kept in
// sequence order so a proposer never includes sequence n+1 before n; after each block the
// committed txs leave and the rest are rechecked against the new state (CometBFT `recheck`).
import type { CheckTxResponse } from "../app/abci.ts";
import { knownTxHash, txHashOf } from "../app/tx-hash.ts";
import { toHex } from "../crypto/hash.ts";

export interface MempoolOptions {
  /** Maximum number of pending txs (CometBFT mempool.size). */
  maxTxs: number;
  /** Maximum total bytes of pending txs (CometBFT mempool.max_txs_bytes). */
  maxTotalBytes: number;
  /** Largest single tx accepted (CometBFT mempool.max_tx_bytes). */
  maxTxBytes: number;
}

export interface MempoolTx {
  readonly tx: Uint8Array;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly sender: string;
  readonly sequence: bigint;
  readonly gasWanted: bigint;
  /** Arrival order, for FIFO across senders. */
  readonly arrival: number;
}

export class MempoolError extends Error {
  readonly code: "mempool_full" | "tx_too_large" | "tx_in_cache";
  constructor(code: MempoolError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** The hex of `hash`, the hash of `tx`: usually known with it (txHashOf), computed otherwise. */
function hexOf(tx: Uint8Array, hash: Uint8Array): string {
  const known = knownTxHash(tx);
  return known !== undefined && known.hash === hash ? known.hex : toHex(hash);
}

/** Txs rechecked between two turns of the event loop: recheck runs after each block on the main thread
 * (~100 µs a tx, several times that under load), and a backlog of thousands held votes and block parts
 * behind it for seconds; a turn every 200 txs keeps that under ~20-100 ms. */
export const RECHECK_TXS_PER_TURN = 200;

/** Recently seen tx hashes, so a tx gossiped or resubmitted twice is not checked twice. */
const SEEN_CACHE_SIZE = 10_000;

export class Mempool {
  readonly #options: MempoolOptions;
  readonly #byHash = new Map<string, MempoolTx>();
  readonly #seen = new Set<string>();
  #totalBytes = 0;
  #arrivals = 0;

  constructor(options: MempoolOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#byHash.size;
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  has(hash: Uint8Array): boolean {
    return this.#byHash.has(toHex(hash));
  }

  /** The pending tx whose hash has this (lowercase) hex, if any. */
  get(hashHex: string): Uint8Array | undefined {
    return this.#byHash.get(hashHex)?.tx;
  }

  /** Throws MempoolError before checkTx runs when the tx cannot be taken anyway; returns the tx hash
   * (pass `knownHash` when the caller already has it: prechecks repeat under the mempool lock). */
  precheck(tx: Uint8Array, knownHash?: Uint8Array): Uint8Array {
    if (tx.length > this.#options.maxTxBytes) {
      throw new MempoolError(
        "tx_too_large",
        `tx too large: ${tx.length} bytes, max ${this.#options.maxTxBytes}`,
      );
    }
    const hash = knownHash ?? txHashOf(tx).hash;
    const hashHex = hexOf(tx, hash);
    if (this.#byHash.has(hashHex) || this.#seen.has(hashHex)) {
      throw new MempoolError("tx_in_cache", "tx already exists in cache");
    }
    if (
      this.#byHash.size >= this.#options.maxTxs ||
      this.#totalBytes + tx.length > this.#options.maxTotalBytes
    ) {
      throw new MempoolError(
        "mempool_full",
        `mempool is full: number of txs ${this.#byHash.size} (max: ${this.#options.maxTxs}), total txs bytes ${this.#totalBytes} (max: ${this.#options.maxTotalBytes})`,
      );
    }
    return hash;
  }

  /** Adds a tx that passed checkTx. */
  add(tx: Uint8Array, hash: Uint8Array, check: CheckTxResponse): void {
    const hashHex = hexOf(tx, hash);
    if (this.#byHash.has(hashHex)) return;
    this.#remember(hashHex);
    this.#byHash.set(hashHex, {
      tx,
      hash,
      hashHex,
      sender: check.sender ?? "",
      sequence: check.sequence ?? 0n,
      gasWanted: check.gasWanted,
      arrival: this.#arrivals++,
    });
    this.#totalBytes += tx.length;
  }

  /** Txs for a proposal: FIFO by arrival, each sender's txs in sequence order, within the limits. */
  reap(maxBytes: number, maxGas: bigint): Uint8Array[] {
    const ordered = this.#ordered();
    const out: Uint8Array[] = [];
    let bytes = 0;
    let gas = 0n;
    for (const entry of ordered) {
      if (bytes + entry.tx.length > maxBytes) break;
      if (maxGas >= 0n && gas + entry.gasWanted > maxGas) break;
      bytes += entry.tx.length;
      gas += entry.gasWanted;
      out.push(entry.tx);
    }
    return out;
  }

  /** Pending txs in proposal order, for recheck and unconfirmed_txs. */
  pending(limit = Number.POSITIVE_INFINITY): MempoolTx[] {
    return this.#ordered().slice(0, limit);
  }

  /** Removes txs included in a committed block. */
  removeCommitted(txs: readonly Uint8Array[]): void {
    for (const tx of txs) {
      const hashHex = txHashOf(tx).hex;
      this.#remember(hashHex);
      this.remove(hashHex);
    }
  }

  remove(hashHex: string): void {
    const entry = this.#byHash.get(hashHex);
    if (entry === undefined) return;
    this.#byHash.delete(hashHex);
    this.#totalBytes -= entry.tx.length;
  }

  /** Rechecks every pending tx in order; those that fail now are dropped (and may be resubmitted).
   * Gives the event loop a turn every RECHECK_TXS_PER_TURN txs: the caller keeps anyone else from
   * changing the pool meanwhile (BlockExecutor holds the mempool lock, and proposals wait for it). */
  async recheck(check: (tx: Uint8Array) => Promise<CheckTxResponse>): Promise<number> {
    let dropped = 0;
    let checked = 0;
    for (const entry of this.#ordered()) {
      if (++checked % RECHECK_TXS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      const response = await check(entry.tx);
      if (response.code !== 0) {
        this.remove(entry.hashHex);
        this.#seen.delete(entry.hashHex);
        dropped++;
      }
    }
    return dropped;
  }

  #ordered(): MempoolTx[] {
    // #byHash iterates in arrival order. When every sender's sequences already rise with arrival (as
    // wallets send them), that is the order below: one pass instead of grouping and three sorts.
    const inArrivalOrder: MempoolTx[] = [];
    const lastSequence = new Map<string, bigint>();
    for (const entry of this.#byHash.values()) {
      const previous = lastSequence.get(entry.sender);
      if (previous !== undefined && previous > entry.sequence) return this.#orderedBySlots();
      lastSequence.set(entry.sender, entry.sequence);
      inArrivalOrder.push(entry);
    }
    return inArrivalOrder;
  }

  #orderedBySlots(): MempoolTx[] {
    // Within a sender, the k-th lowest sequence takes the k-th earliest arrival slot of that sender;
    // then all txs sort by slot. FIFO across senders, sequence order within one, O(n log n).
    const bySender = new Map<string, MempoolTx[]>();
    for (const entry of this.#byHash.values()) {
      const list = bySender.get(entry.sender);
      if (list === undefined) bySender.set(entry.sender, [entry]);
      else list.push(entry);
    }
    const slotted: { slot: number; entry: MempoolTx }[] = [];
    for (const list of bySender.values()) {
      const slots = list.map((entry) => entry.arrival).sort((a, b) => a - b);
      list.sort((a, b) =>
        a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : a.arrival - b.arrival,
      );
      for (const [i, entry] of list.entries()) slotted.push({ slot: slots[i]!, entry });
    }
    slotted.sort((a, b) => a.slot - b.slot);
    return slotted.map((item) => item.entry);
  }

  #remember(hashHex: string): void {
    if (this.#seen.size >= SEEN_CACHE_SIZE) this.#seen.delete(this.#seen.values().next().value!);
    this.#seen.add(hashHex);
  }
}
