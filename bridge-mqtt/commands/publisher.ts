// How the commands part writes to the broker: QoS 1 publishes (optionally retained) and replacing or
// clearing a topic's retained message without delivering it again (a zero-length retained publish
// would reach every subscriber as an empty command).
import type { Aedes } from "aedes";

export interface CommandPublisher {
  /** QoS 1 to the topic's subscribers; `retain` also keeps it for devices that subscribe later. */
  publish(topic: string, payload: Uint8Array, retain: boolean): Promise<void>;
  /** Replaces the retained message of a topic (empty payload: removes it); delivers nothing. */
  setRetained(topic: string, payload: Uint8Array): Promise<void>;
}

export function aedesCommandPublisher(aedes: Aedes): CommandPublisher {
  return {
    publish: (topic, payload, retain) =>
      new Promise<void>((resolve, reject) =>
        aedes.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      ),
    setRetained: async (topic, payload) => {
      // aedes' in-memory persistence: storeRetained with an empty payload deletes the entry.
      const persistence = (
        aedes as unknown as { persistence: { storeRetained(packet: object): Promise<void> } }
      ).persistence;
      await persistence.storeRetained({
        cmd: "publish",
        topic,
        payload: Buffer.from(payload),
        qos: 1,
        retain: true,
        dup: false,
      });
    },
  };
}
