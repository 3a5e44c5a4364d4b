// In-process fan-out of committed blocks to RPC subscribers and broadcast_tx_commit waiters.
import type { ExecTxResult } from "../app/abci.ts";
import { txHashOf } from "../app/tx-hash.ts";
import type { CommittedBlock } from "../consensus/block-executor.ts";
import { toHex } from "../crypto/hash.ts";
import type { NodeEvent } from "../rpc/backend.ts";

/** Bound on concurrent broadcast_tx_commit waiters (CometBFT rpc.max_subscription_clients is 100). */
export const MAX_TX_WAITERS = 10_000;

interface TxWaiter {
  resolve: (value: { height: bigint; index: number; result: ExecTxResult }) => void;
}

export class NodeEvents {
  readonly #listeners = new Set<(event: NodeEvent) => void>();
  readonly #txWaiters = new Map<string, Set<TxWaiter>>();
  #waiterCount = 0;

  subscribe(listener: (event: NodeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  waitForTx(
    hash: Uint8Array,
    signal: AbortSignal,
  ): Promise<{ height: bigint; index: number; result: ExecTxResult }> {
    if (this.#waiterCount >= MAX_TX_WAITERS)
      return Promise.reject(new Error("too many clients waiting for txs"));
    const key = toHex(hash);
    return new Promise((resolve, reject) => {
      const waiter: TxWaiter = { resolve };
      const forget = () => {
        const set = this.#txWaiters.get(key);
        if (set?.delete(waiter)) this.#waiterCount--;
        if (set?.size === 0) this.#txWaiters.delete(key);
      };
      waiter.resolve = (value) => {
        forget();
        resolve(value);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener("abort", () => {
        forget();
        reject(signal.reason);
      });
      let set = this.#txWaiters.get(key);
      if (set === undefined) this.#txWaiters.set(key, (set = new Set()));
      set.add(waiter);
      this.#waiterCount++;
    });
  }

  publish(committed: CommittedBlock): void {
    const { block, blockId, results } = committed;
    const emit = (event: NodeEvent) => {
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch {
          // A subscriber's failure is its own; the chain goes on.
        }
      }
    };
    emit({ type: "NewBlock", block, blockId, resultFinalizeBlock: { events: results.events } });
    emit({ type: "NewBlockHeader", header: block.header });
    block.data.txs.forEach((tx, index) => {
      const result = results.txResults[index]!;
      emit({ type: "Tx", height: block.header.height, index, tx, result });
      // The hash ingress computed for the same array (sha256 again when the block came from elsewhere).
      const waiters = this.#txWaiters.get(txHashOf(tx).hex);
      if (waiters !== undefined) {
        for (const waiter of [...waiters]) waiter.resolve({ height: block.header.height, index, result });
      }
    });
  }
}
