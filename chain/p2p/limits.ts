// Every bound of the p2p layer, with its unit and why (style rule 5). README.md lists them too.
import { MAX_CONSENSUS_MESSAGE_BYTES } from "../consensus/tendermint/messages.ts";

/** Largest gossip message on any topic, bytes. Proposals travel in 64 KiB parts, but a catch-up
 * commit carries a whole block; 8 MiB holds a block of ~30k sensor txs, far beyond 1 s blocks at our
 * target rate (≈ 600 tx/s × 300 B).
 * gossipsub drops longer frames before decoding them (maxInboundDataLength). */
export const MAX_GOSSIP_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Bytes before the consensus payload on the consensus topic: a sender nonce (see README). */
export const CONSENSUS_NONCE_BYTES = 8;
/** Largest evidence message, bytes: two votes and a few integers are < 1 KiB. */
export const MAX_EVIDENCE_MESSAGE_BYTES = 16 * 1024;

/** Txs per gossip batch: gossipsub costs per message (baselines.md: 3.3k msg/s on 4 nodes), so
 * batching 100+ txs keeps a 1k tx/s load at ~10 messages per second. */
export const MAX_TXS_PER_BATCH = 256;
/** Bytes per tx batch (sum of tx lengths): keeps one batch well below MAX_GOSSIP_MESSAGE_BYTES. */
export const MAX_TX_BATCH_BYTES = 1024 * 1024;
/** How long an accepted tx waits for companions at most before its batch is published, ms, when no
 * decision flushes it first. A node publishes its batch when it decides a height (TxGossip.flush from
 * the engine's onDecided; the proposer also right before its proposal): the next proposer reaps once
 * per height, after executing the decided block, so a batch sent at the decision reaches it in time
 * (queued on its mempool lock while it executes) and holds everything admitted during the height. Each
 * batch costs every validator a gossip message (receive, IDONTWANTs, a verification job, a lock turn)
 * whatever its size: 4 hosts gossiping 150 tx/s each spent 483-495 µs CPU per received tx at 25 ms
 * (~4 txs a batch), 277-307 at 100 ms, 165-210 at 250 ms (load 17-20). 500 ms: at most one more batch
 * a height with 1 s blocks, and a node that decides late (starved of CPU, behind on votes) still
 * gets its early txs to the next proposer before it reaps. */
export const TX_BATCH_FLUSH_INTERVAL_MS = 500;
/** After the engine's call just before the next height (TxGossip.hurry), how long the first tx accepted
 * within TX_BATCH_HURRY_WINDOW_MS waits for companions, ms, instead of TX_BATCH_FLUSH_INTERVAL_MS. When
 * the decided block's execution overruns the lead (NEXT_HEIGHT_LEAD_MS), that call comes as the
 * execution ends, before the RPC txs that queued on the mempool lock during it are checked; at 500 ms
 * their batch left after the next proposer's reap, a height late (devnet, 600 tx/s, quiet: the whole
 * top 2% of a run were such txs, answered 235-300 ms before the proposal they missed). 50 ms holds one
 * burst of queued requests (pre-verified and checked in a few event-loop turns); one such batch a
 * height at most, since each batch costs every validator a gossip message (see above). The window
 * ends about when the next proposer reaps (its round 0 comes at most the lead after the call, later
 * when it executes late too). */
export const TX_BATCH_HURRY_FLUSH_MS = 50;
export const TX_BATCH_HURRY_WINDOW_MS = 400;
/** Txs waiting to be gossiped; beyond this new ones are dropped (counted) rather than buffered. */
export const MAX_OUTBOUND_TXS = 20_000;
/** Received txs being checked (pre-verification + checkTx); a batch that does not fit is ignored
 * (counted): the signature pool is the bottleneck (baselines.md: ~2.2k secp256k1 verifies/s/core). */
export const MAX_INBOUND_PENDING_TXS = 10_000;

/** Consensus messages accepted at heights [current - 1, current + 1]: the lower one lets a lagging
 * validator's votes reach the engine, which answers them with a catch-up commit. */
export const CONSENSUS_HEIGHT_WINDOW = 1n;

/** A compact proposal's missing txs may take this long to fetch from the peer that sent it, ms; past
 * it the proposal is ignored and the proposer's repeat (every second while a validator has not voted
 * for it) tries again with whatever arrived by tx gossip meanwhile. */
export const PROPOSAL_TXS_REQUEST_TIMEOUT_MS = 2_000;
/** Concurrent inbound proposal-txs streams per connection: one per proposal a peer is rebuilding. */
export const MAX_PROPOSAL_TXS_INBOUND_STREAMS = 4;
/** Proposals rebuilt or made here whose txs are kept to serve peers' fetches and to hand a repeated
 * proposal to the engine without rebuilding it: a few rounds of a height and the next one (those of
 * decided heights are dropped as soon as a message shows the height moved on: they hold their txs). */
export const MAX_RECENT_PROPOSALS = 4;

/** Blocks per block-sync response: bounds the work a single request can ask of a peer. */
export const MAX_BLOCKS_PER_RESPONSE = 50;
/** Soft byte budget of one block-sync response; at least one block is always sent. */
export const MAX_BLOCKSYNC_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Hard bound of one length-prefixed block-sync frame: one maximal block plus its commit. */
export const MAX_BLOCKSYNC_FRAME_BYTES = MAX_CONSENSUS_MESSAGE_BYTES + 1024 * 1024;
/** One block-sync request may take this long before the peer is skipped, ms. */
export const BLOCKSYNC_REQUEST_TIMEOUT_MS = 10_000;
/** Concurrent inbound block-sync streams per connection (libp2p default is 32). */
export const MAX_BLOCKSYNC_INBOUND_STREAMS = 4;
/** How often a running node compares its height with its peers', ms. */
export const STATUS_POLL_INTERVAL_MS = 2_000;
/** Behind the best peer by at least this many blocks, a running engine stops and block-syncs. */
export const RESYNC_LAG_BLOCKS = 2n;

/** Persistent peers are redialed with exponential backoff from MIN to MAX, ms. */
export const REDIAL_MIN_MS = 500;
export const REDIAL_MAX_MS = 10_000;
/** Connection monitor: ping every 10 s and never close a connection for a slow ping: on 2 shared
 * cores under load a ping took > 5 s in 5 of 6 runs (baselines.md); TCP and yamux notice real deaths. */
export const PING_INTERVAL_MS = 10_000;
export const PING_TIMEOUT_MAX_MS = 60_000;
