// Live streams (bridge-mqtt/README.md, Consumers): every reading the store makes durable (this
// node's devices, and readings replicated from other validators through the same store) goes to
// sensorchain/v1/streams/<device id> as its canonical protobuf bytes and to …/json as JSON, QoS 0:
// a live feed; a consumer that missed some reads them back over HTTP history. Deliveries pass the
// broker's authorizeForward (entitlement per subscriber).
import type { ReadingStore, StoredReading } from "../reading-store.ts";
import { streamTopic } from "../topics.ts";
import { readingToJson } from "./reading-json.ts";
import { streamJsonTopic } from "./stream-topics.ts";

export type StreamPublish = (topic: string, payload: Uint8Array) => void;

export interface StreamCounters {
  /** Readings published to streams (each on both topics). */
  published: number;
}

/** Publishes stored readings to their streams; returns a function that stops it. */
export function startStreams(options: {
  store: ReadingStore;
  publish: StreamPublish;
  /** Whether anyone may be listening to a device (skips the work for the rest); all when absent. */
  isStreamed?: (deviceId: string) => boolean;
  counters: StreamCounters;
}): () => void {
  const { publish, isStreamed, counters } = options;
  return options.store.onStored((stored: readonly StoredReading[]) => {
    for (const { reading, bytes } of stored) {
      const { deviceId } = reading;
      if (isStreamed !== undefined && !isStreamed(deviceId)) continue;
      publish(streamTopic(deviceId), bytes);
      publish(streamJsonTopic(deviceId), Buffer.from(JSON.stringify(readingToJson(reading))));
      counters.published++;
    }
  });
}
