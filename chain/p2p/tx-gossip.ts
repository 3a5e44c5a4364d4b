// Mempool gossip: txs admitted through RPC are batched (MAX_TXS_PER_BATCH, MAX_TX_BATCH_BYTES, the
// node deciding a height or proposing, or TX_BATCH_FLUSH_INTERVAL_MS, whichever comes first) and
// published on the txs topic; a received batch
// goes through the same ingress as RPC (signature pool → checkTx → mempool), and its verdict decides
// whether gossipsub forwards it: an undecodable tx or a bad signature rejects the batch.
// Batch wire format (protobuf): `message TxBatch { repeated bytes txs = 1; }`.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import type { CheckTxResponse } from "../app/abci.ts";
import { txHashOf } from "../app/tx-hash.ts";
import type { P2PHost, Verdict } from "./host.ts";
import {
  MAX_GOSSIP_MESSAGE_BYTES,
  MAX_INBOUND_PENDING_TXS,
  MAX_OUTBOUND_TXS,
  MAX_TX_BATCH_BYTES,
  MAX_TXS_PER_BATCH,
  TX_BATCH_FLUSH_INTERVAL_MS,
  TX_BATCH_HURRY_FLUSH_MS,
  TX_BATCH_HURRY_WINDOW_MS,
} from "./limits.ts";
import type { P2PMetrics } from "./metrics.ts";

export class TxBatchError extends Error {
  readonly code = "invalid_tx_batch";
}

export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  const writer = BinaryWriter.create();
  for (const tx of txs) writer.uint32(10).bytes(tx);
  return writer.finish();
}

/** Decodes and bounds a batch: count, total bytes, each tx non-empty and at most maxTxBytes. */
export function decodeTxBatch(bytes: Uint8Array, maxTxBytes: number): Uint8Array[] {
  if (bytes.length > MAX_GOSSIP_MESSAGE_BYTES) throw new TxBatchError(`batch of ${bytes.length} bytes`);
  const txs: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag !== 10) throw new TxBatchError(`unexpected tag ${tag}`);
      const tx = reader.bytes();
      if (tx.length === 0 || tx.length > maxTxBytes) throw new TxBatchError(`tx of ${tx.length} bytes`);
      total += tx.length;
      txs.push(tx);
      if (txs.length > MAX_TXS_PER_BATCH || total > MAX_TX_BATCH_BYTES)
        throw new TxBatchError("batch too large");
    }
  } catch (error) {
    if (error instanceof TxBatchError) throw error;
    throw new TxBatchError(`malformed batch: ${(error as Error).message}`);
  }
  if (txs.length === 0) throw new TxBatchError("empty batch");
  return txs;
}

/** Cosmos SDK codes that mean the sender of the batch relayed garbage (sdk codespace). */
const REJECT_CODES = new Set([2 /* tx parse error */, 4 /* unauthorized: signature */]);

export interface TxGossipOptions {
  host: P2PHost;
  topic: string;
  maxTxBytes: number;
  metrics: P2PMetrics;
  /** The node's ingress (TxIngress.submitBatch). */
  submitBatch: (txs: readonly Uint8Array[]) => Promise<CheckTxResponse[]>;
}

export class TxGossip {
  readonly #o: TxGossipOptions;
  #outbound: Uint8Array[] = [];
  #outboundBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Date.now() until which the next batch's first tx arms the TX_BATCH_HURRY_FLUSH_MS timer. */
  #hurryUntil = 0;
  #inboundPending = 0;
  /** Received txs still being checked, by hash hex (at most MAX_INBOUND_PENDING_TXS): a compact
   * proposal that arrives right behind their batch finds them here before they reach the mempool. */
  readonly #arriving = new Map<string, Uint8Array>();
  #stopped = false;

  constructor(options: TxGossipOptions) {
    this.#o = options;
    options.host.subscribe(options.topic, (data) => this.#receive(data));
  }

  /** A received tx not yet through ingress, by the hex of its hash. */
  arriving(hashHex: string): Uint8Array | undefined {
    return this.#arriving.get(hashHex);
  }

  /** Queues an RPC-admitted tx for the next batch. */
  gossip(tx: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#outbound.length >= MAX_OUTBOUND_TXS) {
      this.#o.metrics.outboundTxsDropped++;
      return;
    }
    if (this.#outboundBytes + tx.length > MAX_TX_BATCH_BYTES) this.flush();
    this.#outbound.push(tx);
    this.#outboundBytes += tx.length;
    if (this.#outbound.length >= MAX_TXS_PER_BATCH) this.flush();
    else if (this.#timer === undefined) {
      const hurried = Date.now() < this.#hurryUntil;
      if (hurried) this.#hurryUntil = 0;
      this.#timer = setTimeout(
        () => this.flush(),
        hurried ? TX_BATCH_HURRY_FLUSH_MS : TX_BATCH_FLUSH_INTERVAL_MS,
      );
    }
  }

  /** Publishes what is pending; the next batch, when its first tx comes within TX_BATCH_HURRY_WINDOW_MS,
   * is published TX_BATCH_HURRY_FLUSH_MS after it. Called just before the next height, when the next
   * proposer is about to reap. */
  hurry(): void {
    this.flush();
    this.#hurryUntil = Date.now() + TX_BATCH_HURRY_WINDOW_MS;
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#outbound.length > 0) {
      const batch = this.#outbound.splice(0, MAX_TXS_PER_BATCH);
      this.#outboundBytes -= batch.reduce((sum, tx) => sum + tx.length, 0);
      this.#o.host.publish(this.#o.topic, encodeTxBatch(batch));
      this.#o.metrics.txBatchesPublished++;
      this.#o.metrics.txsGossiped += batch.length;
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #receive(data: Uint8Array): Promise<Verdict> {
    const metrics = this.#o.metrics;
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(data, this.#o.maxTxBytes);
    } catch {
      metrics.txBatchesRejected++;
      return "reject";
    }
    if (this.#stopped || this.#inboundPending + txs.length > MAX_INBOUND_PENDING_TXS) {
      metrics.inboundTxsDropped += txs.length;
      metrics.txBatchesIgnored++;
      return "ignore";
    }
    this.#inboundPending += txs.length;
    metrics.txsReceived += txs.length;
    const hexes = txs.map((tx) => txHashOf(tx).hex);
    for (const [i, hex] of hexes.entries()) this.#arriving.set(hex, txs[i]!);
    try {
      const responses = await this.#o.submitBatch(txs);
      let admitted = 0;
      let garbage = false;
      for (const response of responses) {
        if (response.code === 0) admitted++;
        else if (response.codespace === "sdk" && REJECT_CODES.has(response.code)) garbage = true;
      }
      metrics.txsAdmitted += admitted;
      if (garbage) {
        metrics.txBatchesRejected++;
        return "reject";
      }
      metrics.txBatchesAccepted++;
      return "accept";
    } finally {
      this.#inboundPending -= txs.length;
      for (const hex of hexes) this.#arriving.delete(hex);
    }
  }
}
