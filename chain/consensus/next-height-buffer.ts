// Messages of height + 1 that arrive before this node decides its height (the next proposer decided
// first and sent its proposal while this node still executes the last block). Dropping them cost up
// to a gossip interval per height; they are kept, bounded, and handed back after the decision, when
// the engine receives them again like any message of its height (all checks then, none here).
import type { PeerId } from "./engine-io.ts";
import type { ConsensusMessage } from "./tendermint/messages.ts";

/** Messages kept: 4 × (proposal + votes of a few rounds) of a 100-validator set fits. When full,
 * newer messages are dropped: the first ones (round 0's proposal and votes) are what the next height
 * starts with, and a flood must not push them out; gossip repeats the rest. */
export const MAX_FUTURE_MESSAGES = 1_000;
/** Block bytes (proposals, catch-up commits) among them: a few blocks of gossip size (8 MiB), not
 * 1,000 of them (gigabytes); further blocks are dropped until the decision. */
export const MAX_FUTURE_BLOCK_BYTES = 32 * 1024 * 1024;

export interface FutureMessage {
  message: ConsensusMessage;
  from: PeerId;
}

export class NextHeightBuffer {
  #messages: FutureMessage[] = [];
  #blockBytes = 0;

  /** Keeps `message` unless a bound is reached; false when dropped. */
  add(message: ConsensusMessage, from: PeerId): boolean {
    const blockBytes = message.kind === "vote" ? 0 : message.blockBytes.length;
    if (
      this.#messages.length >= MAX_FUTURE_MESSAGES ||
      this.#blockBytes + blockBytes > MAX_FUTURE_BLOCK_BYTES
    )
      return false;
    this.#messages.push({ message, from });
    this.#blockBytes += blockBytes;
    return true;
  }

  /** Everything kept, oldest first; the buffer is empty afterwards. */
  take(): FutureMessage[] {
    const messages = this.#messages;
    this.#messages = [];
    this.#blockBytes = 0;
    return messages;
  }
}
