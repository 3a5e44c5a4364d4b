// Every bound of reading replication between validators (README.md, Gossip and repair): named, with
// its unit and why.
import { MAX_READING_BYTES } from "../reading-codec.ts";

/** Readings per gossip message. gossipsub costs per message (../shared reference baselines: 3,300
 * msg/s on 4 nodes on 2 cores, StrictNoSign), so 10,000 readings/s must travel in tens of messages
 * per second, not thousands; 500 × ~200 bytes is a 100 KB message. */
export const MAX_READINGS_PER_BATCH = 500;
/** Sum of reading bytes in one batch: 128 readings of the largest size (4 KiB) still fit. */
export const MAX_BATCH_READING_BYTES = 512 * 1024;
/** How long the first reading of a batch waits for others, ms: at 10,000 devices at 1 Hz a batch
 * fills in 50 ms anyway; at low rates this is the added gossip latency (far below a day's grace). */
export const BATCH_FLUSH_INTERVAL_MS = 50;
/** Largest gossip message, bytes: the readings, their field headers (≤ 3 bytes each) and the other
 * fields (~150 bytes). Checked before decoding. */
export const MAX_READING_BATCH_MESSAGE_BYTES = MAX_BATCH_READING_BYTES + 16 * 1024;
/** Largest single reading in a batch or a repair response, bytes (the device payload bound). */
export const MAX_REPLICATED_READING_BYTES = MAX_READING_BYTES;
/** Received readings waiting for their device signature checks and the disk: 2 s of 10,000 devices
 * at 1 Hz. A batch that does not fit is ignored (counted), not buffered. */
export const MAX_INBOUND_PENDING_READINGS = 20_000;
/** Oldest batch taken from gossip, ms (its created_ms against this node's clock): gossip lag is
 * well under a second, and gossipsub never delivers much older messages, so an older batch is a
 * replay of a validly signed one (repair is the way to fetch past readings). */
export const MAX_BATCH_AGE_MS = 600_000n;
/** Received batches checked and stored at once: while one waits for its group commit (fsync), the
 * next one's device signatures are checked (the verifier's workers stay busy). */
export const MAX_CONCURRENT_INBOUND_BATCHES = 2;
/** How long a reading of a device this node does not know yet waits for its one retry, ms: a few
 * blocks, for a registration this node has not committed yet (a device's first readings). */
export const DEFERRED_RETRY_MS = 2_000;
/** Readings waiting for that retry; beyond it they are dropped at once (counted; repair fills). */
export const MAX_DEFERRED_READINGS = 5_000;

/** Readings in one repair response (and the most a request may ask for). */
export const MAX_REPAIR_READINGS = 1_000;
/** Largest repair response frame, bytes: MAX_REPAIR_READINGS readings of the largest size. */
export const MAX_REPAIR_RESPONSE_BYTES = MAX_REPAIR_READINGS * (MAX_REPLICATED_READING_BYTES + 8) + 1024;
/** Largest repair request frame, bytes: a device id (≤ 15 bytes, modules/device) and three integers. */
export const MAX_REPAIR_REQUEST_BYTES = 256;
/** Concurrent inbound repair streams per connection (libp2p's default is 32). */
export const MAX_REPAIR_INBOUND_STREAMS = 4;
/** One repair request may take this long before the peer is skipped, ms. */
export const REPAIR_REQUEST_TIMEOUT_MS = 10_000;
/** Pages asked of one peer for one device-day: a million readings (11 per second all day). */
export const MAX_REPAIR_PAGES = 1_000;
/** Largest UTC day number: days are 4 bytes in the store's keys. */
export const MAX_DAY = 0xffff_ffffn;
