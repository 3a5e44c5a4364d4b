// Gossips the readings this bridge stored from its own devices as node-signed batches: one gossip
// message per MAX_READINGS_PER_BATCH readings, MAX_BATCH_READING_BYTES, or BATCH_FLUSH_INTERVAL_MS
// after the batch's first reading, whichever comes first. Readings that came by gossip or repair are
// not gossiped again (their author did; gossipsub forwards its message). The queue never holds more
// than one batch: a full batch is signed and handed to gossipsub at once, in the same call.
import type { P2PHost } from "../../chain/p2p/host.ts";
import type { StoredReading } from "../reading-store.ts";
import { encodeReadingBatch, type NodeKeySigner } from "./batch-codec.ts";
import type { ReplicationCounters } from "./counters.ts";
import { BATCH_FLUSH_INTERVAL_MS, MAX_BATCH_READING_BYTES, MAX_READINGS_PER_BATCH } from "./limits.ts";

export interface ReadingPublisherOptions {
  host: Pick<P2PHost, "publish">;
  topic: string;
  chainId: string;
  signer: NodeKeySigner;
  counters: ReplicationCounters;
  now: () => number;
}

export class ReadingPublisher {
  readonly #o: ReadingPublisherOptions;
  #outbound: Uint8Array[] = [];
  #outboundBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #batchSequence = 0n;
  #stopped = false;

  constructor(options: ReadingPublisherOptions) {
    this.#o = options;
  }

  /** ReadingStore.onStored listener: queues the device readings of a group commit. */
  add(stored: readonly StoredReading[]): void {
    if (this.#stopped) return;
    for (const { bytes, origin } of stored) {
      if (origin !== "device") continue;
      if (this.#outboundBytes + bytes.length > MAX_BATCH_READING_BYTES) this.#publishOne();
      this.#outbound.push(bytes);
      this.#outboundBytes += bytes.length;
      if (this.#outbound.length >= MAX_READINGS_PER_BATCH) this.#publishOne();
    }
    if (this.#outbound.length > 0) this.#timer ??= setTimeout(() => this.flush(), BATCH_FLUSH_INTERVAL_MS);
  }

  /** Publishes everything queued now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#outbound.length > 0) this.#publishOne();
  }

  /** Publishes what is queued and takes no more. */
  stop(): void {
    this.flush();
    this.#stopped = true;
  }

  /** Signs and publishes the first batch's worth of queued readings. */
  #publishOne(): void {
    let count = 0;
    let bytes = 0;
    while (
      count < this.#outbound.length &&
      count < MAX_READINGS_PER_BATCH &&
      bytes + this.#outbound[count]!.length <= MAX_BATCH_READING_BYTES
    )
      bytes += this.#outbound[count++]!.length;
    if (count === 0) return;
    const readings = this.#outbound.splice(0, count);
    this.#outboundBytes -= bytes;
    if (this.#outbound.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#batchSequence++;
    const batch = this.#o.signer.signBatch({
      chainId: this.#o.chainId,
      batchSequence: this.#batchSequence,
      createdMs: BigInt(this.#o.now()),
      readings,
    });
    this.#o.host.publish(this.#o.topic, encodeReadingBatch(batch));
    this.#o.counters.batchesPublished++;
    this.#o.counters.readingsGossiped += count;
  }
}
