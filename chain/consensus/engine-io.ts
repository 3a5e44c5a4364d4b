// What the Tendermint engine needs from the outside world, injected so that the node (libp2p, real
// timers, pino) and the deterministic simulation (simulated network, clock and timers) run the same
// engine: the transport of consensus messages, a timer scheduler and a logger.
import type { ConsensusMessage } from "./tendermint/messages.ts";

/** Peers are identified by the transport (libp2p peer id string, or a simulated node name). */
export type PeerId = string;

/** What consensus needs from the network. libp2p gossip (part 2) and the simulation implement it. */
export interface ConsensusTransport {
  /** To every peer (gossip topic). */
  broadcast(message: ConsensusMessage): void;
  /** Several messages to every peer at once (the gossip repeats); without it, one broadcast each. */
  broadcastMany?(messages: readonly ConsensusMessage[]): void;
  /** To one peer (catch-up replies); may fall back to broadcast. */
  sendTo(peer: PeerId, message: ConsensusMessage): void;
  /** DuplicateVoteEvidence proto bytes (tendermint.types.Evidence) for the evidence pool. */
  broadcastEvidence(evidence: Uint8Array): void;
  /** Registers the handler of decoded messages (decodeConsensusMessage at the edge). */
  onMessage(handler: (message: ConsensusMessage, from: PeerId) => void): void;
}

export interface TimerScheduler {
  setTimer(delayMs: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
}

export const realTimers: TimerScheduler = {
  setTimer: (delayMs, callback) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Per-block detail (proposal built/verified, decided, timeouts that change nothing) goes to `debug`:
 * one info line per committed block is the node's ("committed block", as CometBFT's "finalized
 * block"). Loggers without `debug` drop that detail. */
export interface EngineLogger {
  debug?(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}
