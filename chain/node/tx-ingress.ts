// How a tx enters the node (RPC broadcast_tx_*, later p2p gossip): cheap mempool checks, then its
// signatures verified in the worker pool, then checkTx under the mempool lock, where the app finds
// the verdicts and the main thread verifies nothing. Also pre-verifies a whole block's signatures
// before finalizeBlock, for proposals and synced blocks whose txs this node has not seen.
import type { Application, CheckTxResponse, SignatureCheck } from "../app/abci.ts";
import { VerifyPoolError } from "../crypto/secp256k1-pool.ts";
import { type Mempool, MempoolError } from "../mempool/mempool.ts";
import type { Mutex } from "../util/mutex.ts";

/** Tendermint-style CheckTx codes for mempool refusals (codespace "mempool"). */
const MEMPOOL_CODES: Record<MempoolError["code"], number> = {
  tx_in_cache: 19,
  mempool_full: 20,
  tx_too_large: 21,
};

/** Most RPC txs whose signatures go to the pool together (see TxIngress.submit). */
const MAX_COALESCED_TXS = 256;

/** An RPC tx waiting for its coalesced verification and checkTx (TxIngress.submit). */
interface PendingSubmit {
  tx: Uint8Array;
  hash: Uint8Array;
  resolve: (response: CheckTxResponse) => void;
  reject: (error: unknown) => void;
}

/** What ingress needs of the verification pool (Secp256k1VerifyPool). */
export interface SignatureVerifier {
  verify(
    jobs: readonly { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }[],
  ): Promise<boolean[]>;
}

export interface TxIngressOptions {
  app: Application;
  mempool: Mempool;
  mempoolLock: Mutex;
  /** Without one (or an app without signatureChecks), checkTx verifies on the main thread. */
  verifier?: SignatureVerifier;
  /** Called with each tx that `submit` (RPC) admitted to the mempool: the p2p layer gossips it.
   * Txs that arrived by gossip (`submitBatch`) are not passed on: gossipsub forwards them itself. */
  onAccepted?: (tx: Uint8Array) => void;
}

export class TxIngress {
  readonly #app: Application;
  readonly #mempool: Mempool;
  readonly #mempoolLock: Mutex;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #onAccepted: ((tx: Uint8Array) => void) | undefined;
  /** RPC txs arrived in this turn of the event loop: pre-verified together at its end, then checked
   * in one hold of the mempool lock. */
  #coalescing: PendingSubmit[] | undefined;

  constructor(options: TxIngressOptions) {
    this.#onAccepted = options.onAccepted;
    this.#app = options.app;
    this.#mempool = options.mempool;
    this.#mempoolLock = options.mempoolLock;
    this.#verifier = options.verifier;
  }

  /** checkTx's answer, or a mempool refusal (codes 19-21) when the tx cannot be taken. */
  async submit(tx: Uint8Array): Promise<CheckTxResponse> {
    let hash: Uint8Array;
    try {
      // Before spending a verification on it; repeated under the lock, where it counts.
      hash = this.#mempool.precheck(tx);
    } catch (error) {
      if (error instanceof MempoolError) return mempoolRefusal(error);
      throw error;
    }
    return new Promise((resolve, reject) => this.#coalesce({ tx, hash, resolve, reject }));
  }

  /** Txs received by gossip: one verification job and one lock for the batch. Duplicates (by hash)
   * are answered tx_in_cache without any work. */
  async submitBatch(txs: readonly Uint8Array[]): Promise<CheckTxResponse[]> {
    const responses: (CheckTxResponse | undefined)[] = new Array(txs.length);
    const fresh: number[] = [];
    const hashes: Uint8Array[] = new Array(txs.length);
    txs.forEach((tx, index) => {
      try {
        hashes[index] = this.#mempool.precheck(tx);
        fresh.push(index);
      } catch (error) {
        if (!(error instanceof MempoolError)) throw error;
        responses[index] = mempoolRefusal(error);
      }
    });
    try {
      await this.preverify(fresh.map((index) => txs[index]!));
    } catch (error) {
      if (!(error instanceof MempoolError)) throw error;
      for (const index of fresh) responses[index] = mempoolRefusal(error);
      return responses as CheckTxResponse[];
    }
    await this.#mempoolLock.run(async () => {
      for (const index of fresh) responses[index] = await this.#check(txs[index]!, hashes[index]!);
    });
    return responses as CheckTxResponse[];
  }

  /** Under the mempool lock: the prechecks again (they count here), checkTx, and the mempool. */
  async #check(tx: Uint8Array, hash: Uint8Array): Promise<CheckTxResponse> {
    try {
      this.#mempool.precheck(tx, hash);
    } catch (error) {
      if (error instanceof MempoolError) return mempoolRefusal(error);
      throw error;
    }
    const response = await this.#app.checkTx({ tx, type: "new" });
    if (response.code === 0) this.#mempool.add(tx, hash, response);
    return response;
  }

  /** Joins the RPC txs of this event-loop turn: one pool message for their signatures, then one hold
   * of the mempool lock for their checkTx, in arrival order. RPC txs come one per request, and a
   * message to the pool per tx cost more than its verification (main thread ~50 µs for the message
   * and its answer, the worker ~40 µs past the verify, against ~10 and ~75 in batches of 16; devnet
   * validators at load 10-15); a lock turn per tx was a few promises and event-loop jobs more each.
   * Waits for the end of the loop's I/O phase (setImmediate), when the requests read in it have all
   * asked. */
  #coalesce(entry: PendingSubmit): void {
    let batch = this.#coalescing;
    if (batch === undefined || batch.length >= MAX_COALESCED_TXS) {
      const started: PendingSubmit[] = [];
      batch = started;
      this.#coalescing = started;
      setImmediate(() => {
        if (this.#coalescing === started) this.#coalescing = undefined;
        this.#checkCoalesced(started).catch((error: unknown) => {
          for (const pending of started) pending.reject(error);
        });
      });
    }
    batch.push(entry);
  }

  async #checkCoalesced(batch: readonly PendingSubmit[]): Promise<void> {
    try {
      await this.preverify(batch.map((pending) => pending.tx));
    } catch (error) {
      if (!(error instanceof MempoolError)) throw error;
      for (const pending of batch) pending.resolve(mempoolRefusal(error));
      return;
    }
    await this.#mempoolLock.run(async () => {
      for (const { tx, hash, resolve, reject } of batch) {
        try {
          const response = await this.#check(tx, hash);
          if (response.code === 0) this.#onAccepted?.(tx);
          resolve(response);
        } catch (error) {
          reject(error);
        }
      }
    });
  }

  /** Verifies the not yet verified signatures of `txs` in the pool and hands the verdicts to the app.
   * A full pool queue is a MempoolError (mempool_full); a closed or failed pool is left to the app,
   * which verifies whatever has no verdict. */
  async preverify(txs: readonly Uint8Array[]): Promise<void> {
    if (this.#verifier === undefined) return;
    try {
      await preverifySignatures(this.#app, this.#verifier, txs);
    } catch (error) {
      if (!(error instanceof VerifyPoolError)) throw error;
      if (error.code === "pool_busy")
        throw new MempoolError("mempool_full", "signature verification queue is full");
    }
  }
}

/** Verifies the signatures of `txs` with `verifier` and hands the verdicts to the app (bound to the
 * exact tx, sign bytes and key), which then verifies only the rest. Pool failures (VerifyPoolError)
 * are the caller's to handle. Ingress and replay use it. */
export async function preverifySignatures(
  app: Application,
  verifier: SignatureVerifier,
  txs: readonly Uint8Array[],
): Promise<void> {
  if (app.signatureChecks === undefined || app.addSignatureVerdicts === undefined) return;
  const checks: SignatureCheck[] = [];
  for (const tx of txs) for (const check of app.signatureChecks(tx)) checks.push(check);
  if (checks.length === 0) return;
  const verdicts = await verifier.verify(
    checks.map((check) => ({
      signature: check.signature,
      message: check.signBytes,
      publicKey: check.publicKey,
    })),
  );
  app.addSignatureVerdicts(checks.map((check, index) => ({ ...check, valid: verdicts[index] === true })));
}

export function mempoolRefusal(error: MempoolError): CheckTxResponse {
  return {
    code: MEMPOOL_CODES[error.code],
    codespace: "mempool",
    log: error.message,
    data: new Uint8Array(),
    info: "",
    gasWanted: 0n,
    gasUsed: 0n,
    events: [],
  };
}
