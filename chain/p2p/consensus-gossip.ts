// The libp2p ConsensusTransport: proposals (with their block), votes and catch-up commits on the
// consensus topic, evidence on the evidence topic. The topic validators run before a message
// spreads (gossipsub forwards only what they accept): a malformed message, a signature that does not
// verify, or a vote/proposal by a key outside the validator set is rejected (the forwarding peer is
// penalised); a message outside the height window is ignored (neither delivered nor forwarded).
// Authenticity comes from the validators' ed25519 signatures, not from who forwarded a message, so
// a full node may relay validators' messages but cannot inject its own. Proposals travel as the
// signed proposal followed by its block parts (proposal-parts.ts); the engine gets them whole.
import { randomBytes } from "node:crypto";
import { Evidence as ProtoEvidence } from "cosmjs-types/tendermint/types/evidence";
import { Vote as ProtoVote } from "cosmjs-types/tendermint/types/types";
import { txHashOf } from "../app/tx-hash.ts";
import type { ChainState } from "../consensus/chain-state.ts";
import { knownProposedBlock, rememberProposedBlock } from "../consensus/proposal-verdicts.ts";
import { verifyEd25519Cached } from "../consensus/signature-cache.ts";
import {
  type ConsensusMessage,
  decodeCarriedBlock,
  encodeConsensusMessage,
} from "../consensus/tendermint/messages.ts";
import { proposerForRound } from "../consensus/tendermint/proposer.ts";
import type { Proposal, ProposedBlock } from "../consensus/tendermint/types.ts";
import type { ConsensusTransport, PeerId } from "../consensus/tendermint-engine.ts";
import { toHex } from "../crypto/hash.ts";
import type { Validator, Vote } from "../types/block.ts";
import { decodeVote } from "../types/block-codec.ts";
import { blockIdEquals } from "../types/block-id.ts";
import { hashHeader } from "../types/header.ts";
import { makePartSet } from "../types/part-set.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { verifyCommit } from "../types/verify-commit.ts";
import { proposalSignBytes, voteSignBytes } from "../types/vote.ts";
import {
  type CompactProposal,
  decodeTxsRequest,
  decodeTxsResponse,
  encodeCompactProposalFrame,
  encodeTxsRequest,
  encodeTxsResponse,
  findTxs,
  rebuildProposedBlock,
  TX_HASH_BYTES,
  type TxLookup,
  txHashAt,
} from "./compact-proposal.ts";
import type { P2PHost, Verdict } from "./host.ts";
import {
  CONSENSUS_HEIGHT_WINDOW,
  CONSENSUS_NONCE_BYTES,
  MAX_BLOCKSYNC_FRAME_BYTES,
  MAX_EVIDENCE_MESSAGE_BYTES,
  MAX_GOSSIP_MESSAGE_BYTES,
  MAX_PROPOSAL_TXS_INBOUND_STREAMS,
  MAX_RECENT_PROPOSALS,
  PROPOSAL_TXS_REQUEST_TIMEOUT_MS,
} from "./limits.ts";
import type { P2PMetrics } from "./metrics.ts";
import {
  blockPartsOf,
  decodeGossipFrame,
  encodePartFrame,
  encodeProposalFrame,
  encodeVoteBatchFrame,
  type GossipFrame,
  ProposalAssembly,
} from "./proposal-parts.ts";
import type { ChainTopics } from "./topics.ts";

/** What the validators need to know about the chain now; undefined while block-syncing. */
export type ConsensusView = () => ChainState | undefined;

export interface ConsensusGossipOptions {
  host: P2PHost;
  topics: ChainTopics;
  view: ConsensusView;
  metrics: P2PMetrics;
  /** Evidence that passed validation (the evidence pool / poa module takes it from here). */
  onEvidence?: (evidence: Uint8Array) => void;
  /** The txs this node holds by hash (mempool, txs being checked): with it, proposals are sent
   * compactly (compact-proposal.ts) and peers' fetches are served; without it, as block parts. */
  txs?: TxLookup;
  /** Called before this node's proposal goes out: the txs it has not gossiped yet should precede it. */
  beforeProposal?: () => void;
}

interface RecentProposal {
  proposed: ProposedBlock;
  /** By tx hash hex, built on the first fetch served from it. */
  byHash: Map<string, Uint8Array> | undefined;
}

/** Rounds up to which a proposal's signer is checked to be its round's proposer (the schedule costs
 * one priority increment per round; a height reaching round 1,000 has been down for days). */
const MAX_PROPOSER_ROUND_COMPUTED = 1_000;

export class ConsensusGossip implements ConsensusTransport {
  readonly #o: ConsensusGossipOptions;
  #handler: ((message: ConsensusMessage, from: PeerId) => void) | undefined;
  /** Random per process, then a counter: a repeated message gets a new gossipsub id (README). */
  readonly #noncePrefix = randomBytes(4);
  #nonce = 0;
  readonly #assembly = new ProposalAssembly();
  /** Compact proposals rebuilt here and this node's own, by proposalKey (bounded, oldest first out). */
  readonly #recent = new Map<string, RecentProposal>();
  /** Compact proposals whose missing txs are being fetched, by proposalKey: a repeat meanwhile waits. */
  readonly #fetching = new Set<string>();

  constructor(options: ConsensusGossipOptions) {
    this.#o = options;
    options.host.subscribe(options.topics.consensus, (data, from) => this.#validate(data, from));
    options.host.subscribe(options.topics.evidence, (data) => this.#validateEvidence(data));
  }

  /** Serves peers the txs of compact proposals they cannot rebuild (call once, before the host starts). */
  async serveProposalTxs(): Promise<void> {
    await this.#o.host.handle(
      this.#o.topics.proposalTxs,
      MAX_BLOCKSYNC_FRAME_BYTES,
      MAX_PROPOSAL_TXS_INBOUND_STREAMS,
      async (request) => {
        const hashes = decodeTxsRequest(request);
        const txs: (Uint8Array | undefined)[] = [];
        for (let i = 0; i < hashes.length / TX_HASH_BYTES; i++)
          txs.push(this.#findTx(toHex(txHashAt(hashes, i))));
        return encodeTxsResponse(txs);
      },
    );
  }

  broadcast(message: ConsensusMessage): void {
    if (message.kind === "proposal") {
      this.#o.beforeProposal?.();
      const proposed = this.#o.txs === undefined ? undefined : knownProposedBlock(message.blockBytes);
      if (proposed !== undefined) {
        this.#remember(proposalKey(message.proposal), proposed);
        this.#publish(encodeCompactProposalFrame(message.proposal, proposed));
        return;
      }
      this.#publish(encodeProposalFrame(message.proposal));
      for (const part of blockPartsOf(message.proposal, message.blockBytes))
        this.#publish(encodePartFrame(part));
      return;
    }
    const published = this.#publish(encodeConsensusMessage(message));
    if (message.kind === "commit") this.#o.metrics.catchupBytesPublished += published;
  }

  /** Publishes `payload` behind a fresh nonce; returns the bytes published (0 when too large). */
  #publish(payload: Uint8Array): number {
    if (payload.length + CONSENSUS_NONCE_BYTES > MAX_GOSSIP_MESSAGE_BYTES) {
      this.#o.metrics.publishErrors++;
      return 0;
    }
    const data = new Uint8Array(CONSENSUS_NONCE_BYTES + payload.length);
    data.set(this.#noncePrefix, 0);
    new DataView(data.buffer).setUint32(4, this.#nonce++ >>> 0);
    data.set(payload, CONSENSUS_NONCE_BYTES);
    this.#o.metrics.consensusBytesPublished += data.length;
    this.#o.host.publish(this.#o.topics.consensus, data);
    return data.length;
  }

  /** The votes among `messages` go out in one gossip message (each costs every peer a message's
   * noise, yamux, gossipsub and validation turn whatever its size, and the 1 s repeats send up to
   * 2 × validators votes a tick); the rest one by one. */
  broadcastMany(messages: readonly ConsensusMessage[]): void {
    const votes: Vote[] = [];
    for (const message of messages) {
      if (message.kind === "vote") votes.push(message.vote);
      else this.broadcast(message);
    }
    if (votes.length === 1) this.broadcast({ kind: "vote", vote: votes[0]! });
    else if (votes.length > 1) this.#publish(encodeVoteBatchFrame(votes));
  }

  /** Gossip has no unicast; a catch-up commit goes to everyone and the up-to-date ignore it. */
  sendTo(_peer: PeerId, message: ConsensusMessage): void {
    this.broadcast(message);
  }

  broadcastEvidence(evidence: Uint8Array): void {
    this.#o.host.publish(this.#o.topics.evidence, evidence);
  }

  /** One handler at a time: a new engine (after block sync) replaces the previous one. */
  onMessage(handler: (message: ConsensusMessage, from: PeerId) => void): void {
    this.#handler = handler;
  }

  /** Detaches the current engine (it stopped). */
  detach(): void {
    this.#handler = undefined;
  }

  #validate(data: Uint8Array, from: string): Verdict | Promise<Verdict> {
    const checked = this.#check(data, from);
    const metrics = this.#o.metrics;
    metrics.consensusBytesReceived += data.length;
    if (checked instanceof Promise) return checked.then((later) => this.#deliver(later, from));
    return this.#deliver(checked, from);
  }

  #deliver(checked: CheckResult, from: string): Verdict {
    const metrics = this.#o.metrics;
    if (checked.verdict === "accept") {
      metrics.consensusAccepted++;
      if (checked.message !== undefined) this.#handler?.(checked.message, from);
      for (const message of checked.batch ?? []) this.#handler?.(message, from);
    } else if (checked.verdict === "reject") metrics.consensusRejected++;
    else metrics.consensusIgnored++;
    return checked.verdict;
  }

  /** `message` is set when an accepted frame completes something the engine takes; a compact proposal
   * whose txs must be fetched first answers later. */
  #check(data: Uint8Array, from: string): CheckResult | Promise<CheckResult> {
    if (data.length <= CONSENSUS_NONCE_BYTES || data.length > MAX_GOSSIP_MESSAGE_BYTES)
      return { verdict: "reject" };
    let frame: GossipFrame;
    try {
      frame = decodeGossipFrame(data.subarray(CONSENSUS_NONCE_BYTES));
    } catch {
      return { verdict: "reject" };
    }
    const state = this.#o.view();
    if (state === undefined || this.#handler === undefined) return { verdict: "ignore" };
    this.#forgetDecided(state.lastBlockHeight);
    if (frame.kind === "proposal") {
      const checked = this.#checkProposal(state, frame.proposal);
      if (checked.verdict !== "accept") return checked;
      return this.#assembly.addProposal(frame.proposal) ? { verdict: "accept" } : { verdict: "reject" };
    }
    if (frame.kind === "compact") return this.#checkCompact(state, frame.compact, from);
    if (frame.kind === "part") {
      const { height } = frame.part;
      const current = state.lastBlockHeight + 1n;
      if (height !== current && height !== current + 1n) return { verdict: "ignore" };
      const checked = this.#assembly.addPart(frame.part);
      if (checked.verdict !== "accept" || checked.complete === undefined) return checked;
      const { proposal, blockBytes } = checked.complete;
      return { verdict: "accept", message: { kind: "proposal", proposal, blockBytes } };
    }
    if (frame.kind === "votes") return this.#checkVotes(state, frame.votes);
    return this.#checkMessage(state, frame.message);
  }

  /** A vote batch (the gossip repeats): each vote as if it came alone; one bad signature rejects it. */
  #checkVotes(state: ChainState, votes: readonly Vote[]): CheckResult {
    const batch: ConsensusMessage[] = [];
    for (const vote of votes) {
      const checked = this.#checkMessage(state, { kind: "vote", vote });
      if (checked.verdict === "reject") return checked;
      if (checked.verdict === "accept" && checked.message !== undefined) batch.push(checked.message);
    }
    return batch.length > 0 ? { verdict: "accept", batch } : { verdict: "ignore" };
  }

  /** What the engine takes as it is: a vote, a proposal with its whole block, or a catch-up commit. */
  #checkMessage(state: ChainState, message: ConsensusMessage): CheckResult {
    const current = state.lastBlockHeight + 1n;
    const height =
      message.kind === "proposal"
        ? message.proposal.height
        : message.kind === "vote"
          ? message.vote.height
          : message.commit.height;
    if (height < current - CONSENSUS_HEIGHT_WINDOW || height > current + CONSENSUS_HEIGHT_WINDOW)
      return { verdict: "ignore" };
    // The set that signs `height`, when this node knows it.
    const validators =
      height === current
        ? state.validators
        : height === current - 1n
          ? state.lastValidators
          : height === current + 1n
            ? state.nextValidators
            : undefined;
    if (validators === undefined || validators.length === 0) return { verdict: "ignore" };
    const set = validatorSetOf(validators);
    try {
      if (message.kind === "vote")
        return checkVote(state.chainId, set, message.vote)
          ? { verdict: "accept", message }
          : { verdict: "reject" };
      if (message.kind === "proposal") {
        const block = decodeCarriedBlock(message.blockBytes);
        if (block.header.height !== height || block.header.chainId !== state.chainId)
          return { verdict: "reject" };
        const proposer = set.getByAddress(block.header.proposerAddress);
        if (proposer === undefined) return { verdict: "reject" };
        const valid = verifyEd25519Cached(
          message.proposal.signature,
          proposalSignBytes(state.chainId, message.proposal),
          proposer.validator.pubKey,
        );
        return valid ? { verdict: "accept", message } : { verdict: "reject" };
      }
      // A catch-up commit is useful only to a node at exactly its height.
      if (height !== current) return { verdict: "ignore" };
      const block = decodeCarriedBlock(message.blockBytes);
      const blockId = {
        hash: hashHeader(block.header),
        partSetHeader: makePartSet(message.blockBytes).header,
      };
      if (!blockIdEquals(blockId, message.commit.blockId)) return { verdict: "reject" };
      verifyCommit(state.chainId, set, blockId, height, message.commit, {
        verifySignature: verifyEd25519Cached,
      });
      return { verdict: "accept", message };
    } catch {
      return { verdict: "reject" };
    }
  }

  /** A proposal whose parts follow: at this node's height or the next (the engine keeps those), signed
   * by the proposer of its round. Its parts are then checked against its part set hash. */
  #checkProposal(state: ChainState, proposal: Proposal): { verdict: "reject" | "ignore" | "accept" } {
    const current = state.lastBlockHeight + 1n;
    const [validators, roundZeroProposer] =
      proposal.height === current
        ? [state.validators, state.validatorsProposer]
        : proposal.height === current + 1n
          ? [state.nextValidators, state.nextValidatorsProposer]
          : [undefined, undefined];
    if (validators === undefined || validators.length === 0) return { verdict: "ignore" };
    const signBytes = proposalSignBytes(state.chainId, proposal);
    // The proposer of a round costs `round` priority increments: beyond a bound, any validator's
    // signature will do here (the engine checks the proposer before it uses the proposal).
    const signers =
      proposal.round <= MAX_PROPOSER_ROUND_COMPUTED
        ? [proposerForRound(validators, roundZeroProposer, proposal.round)]
        : validators;
    if (!signers.some((signer) => verifyEd25519Cached(proposal.signature, signBytes, signer.pubKey)))
      return { verdict: "reject" };
    return { verdict: "accept" };
  }

  /** A compact proposal: signed as #checkProposal requires, its block rebuilt from the txs held here
   * (those missing fetched from `from`) and accepted only if that is the signed BlockID's block. */
  #checkCompact(
    state: ChainState,
    compact: CompactProposal,
    from: string,
  ): CheckResult | Promise<CheckResult> {
    const { proposal, block } = compact;
    if (block.header.height !== proposal.height || block.header.chainId !== state.chainId)
      return { verdict: "reject" };
    const checked = this.#checkProposal(state, proposal);
    if (checked.verdict !== "accept") return checked;
    const key = proposalKey(proposal);
    const known = this.#recent.get(key);
    if (known !== undefined) return this.#accepted(proposal, known.proposed);
    if (this.#fetching.has(key)) return { verdict: "ignore" };
    const { txs, missing } = findTxs(compact, (hex) => this.#findTx(hex));
    if (missing.length === 0) return this.#rebuilt(key, compact, txs as Uint8Array[]);
    this.#fetching.add(key);
    return this.#fetchMissing(compact, txs, missing, from)
      .then((complete): CheckResult => {
        if (complete === undefined) {
          this.#o.metrics.proposalTxFetchFailures++;
          return { verdict: "ignore" };
        }
        this.#o.metrics.proposalTxsFetched += missing.length;
        return this.#rebuilt(key, compact, complete);
      })
      .finally(() => this.#fetching.delete(key));
  }

  /** The txs of `compact` with the missing ones fetched from `from`; undefined if any is still missing. */
  async #fetchMissing(
    compact: CompactProposal,
    txs: (Uint8Array | undefined)[],
    missing: readonly number[],
    from: string,
  ): Promise<Uint8Array[] | undefined> {
    const hashes = new Uint8Array(missing.length * TX_HASH_BYTES);
    for (const [i, index] of missing.entries())
      hashes.set(txHashAt(compact.txHashes, index), i * TX_HASH_BYTES);
    let fetched: (Uint8Array | undefined)[];
    try {
      const response = await this.#o.host.request(
        from,
        this.#o.topics.proposalTxs,
        encodeTxsRequest(hashes),
        MAX_BLOCKSYNC_FRAME_BYTES,
        AbortSignal.timeout(PROPOSAL_TXS_REQUEST_TIMEOUT_MS),
      );
      fetched = decodeTxsResponse(response, hashes);
    } catch {
      return undefined;
    }
    for (const [i, index] of missing.entries()) {
      const tx = fetched[i] ?? this.#findTx(toHex(txHashAt(compact.txHashes, index)));
      if (tx === undefined) return undefined;
      txs[index] = tx;
    }
    return txs as Uint8Array[];
  }

  #rebuilt(key: string, compact: CompactProposal, txs: readonly Uint8Array[]): CheckResult {
    const proposed = rebuildProposedBlock(compact, txs);
    // The txs are the ones their hashes name, so a block that is not the signed one was sent wrong.
    if (proposed === undefined) return { verdict: "reject" };
    this.#o.metrics.compactProposalsRebuilt++;
    this.#remember(key, proposed);
    return this.#accepted(compact.proposal, proposed);
  }

  #accepted(proposal: Proposal, proposed: ProposedBlock): CheckResult {
    rememberProposedBlock(proposed);
    return { verdict: "accept", message: { kind: "proposal", proposal, blockBytes: proposed.blockBytes } };
  }

  /** Drops the recent proposals of decided heights: each holds its block's txs, and through them the
   * app's decoded txs and hashes (weak maps keyed by the arrays), which the mempool has let go. */
  #forgetDecided(lastBlockHeight: bigint): void {
    for (const [key, recent] of this.#recent)
      if (recent.proposed.block.header.height <= lastBlockHeight) this.#recent.delete(key);
  }

  #remember(key: string, proposed: ProposedBlock): void {
    this.#recent.delete(key);
    while (this.#recent.size >= MAX_RECENT_PROPOSALS) this.#recent.delete(this.#recent.keys().next().value!);
    this.#recent.set(key, { proposed, byHash: undefined });
  }

  /** A tx by its hash hex: what the node holds, or one of the recent proposals' txs. */
  #findTx(hashHex: string): Uint8Array | undefined {
    const held = this.#o.txs?.(hashHex);
    if (held !== undefined) return held;
    for (const recent of this.#recent.values()) {
      if (recent.byHash === undefined) {
        recent.byHash = new Map();
        for (const tx of recent.proposed.block.data.txs) recent.byHash.set(txHashOf(tx).hex, tx);
      }
      const tx = recent.byHash.get(hashHex);
      if (tx !== undefined) return tx;
    }
    return undefined;
  }

  #validateEvidence(data: Uint8Array): Verdict {
    const verdict = this.#checkEvidence(data);
    if (verdict === "accept") {
      this.#o.metrics.evidenceAccepted++;
      this.#o.onEvidence?.(data);
    } else this.#o.metrics.evidenceRejected++;
    return verdict;
  }

  /** DuplicateVoteEvidence: two votes of one validator at one height/round/type for different
   * blocks, both signed by that validator of the current or last set. */
  #checkEvidence(data: Uint8Array): Verdict {
    if (data.length > MAX_EVIDENCE_MESSAGE_BYTES) return "reject";
    const state = this.#o.view();
    if (state === undefined) return "ignore";
    try {
      const evidence = ProtoEvidence.decode(data).duplicateVoteEvidence;
      if (evidence?.voteA == null || evidence.voteB == null) return "reject";
      const [a, b] = [
        decodeVote(encodeProtoVote(evidence.voteA)),
        decodeVote(encodeProtoVote(evidence.voteB)),
      ];
      if (
        a.height !== b.height ||
        a.round !== b.round ||
        a.type !== b.type ||
        Buffer.compare(a.validatorAddress, b.validatorAddress) !== 0
      )
        return "reject";
      if (blockIdEquals(a.blockId, b.blockId)) return "reject";
      const current = state.lastBlockHeight + 1n;
      const validators =
        a.height === current
          ? state.validators
          : a.height === current - 1n
            ? state.lastValidators
            : undefined;
      if (validators === undefined || validators.length === 0) return "ignore";
      const set = validatorSetOf(validators);
      return checkVote(state.chainId, set, a) && checkVote(state.chainId, set, b) ? "accept" : "reject";
    } catch {
      return "reject";
    }
  }
}

/** Sets by the chain state's validators array, which is never changed in place: each vote was checked
 * against a set built again (a sort and a sha256 per validator). Weak: it goes with the state. */
const validatorSets = new WeakMap<readonly Validator[], ValidatorSet>();

function validatorSetOf(validators: readonly Validator[]): ValidatorSet {
  let set = validatorSets.get(validators);
  if (set === undefined) {
    set = new ValidatorSet(validators);
    validatorSets.set(validators, set);
  }
  return set;
}

/** `message` (or `batch`, for a vote batch) is what an accepted frame hands the engine. */
type CheckResult =
  | { verdict: "reject" | "ignore" }
  | { verdict: "accept"; message?: ConsensusMessage; batch?: readonly ConsensusMessage[] };

function proposalKey(proposal: Proposal): string {
  return `${proposal.height}/${proposal.round}/${toHex(proposal.blockId.partSetHeader.hash)}`;
}

/** Re-encodes a cosmjs-types vote so that our decoder's validateBasic runs on it. */
function encodeProtoVote(vote: ProtoVote): Uint8Array {
  return ProtoVote.encode(vote).finish();
}

/** The vote's signer is the validator at its index, and the signature verifies. */
function checkVote(chainId: string, set: ValidatorSet, vote: Vote): boolean {
  const found = set.getByAddress(vote.validatorAddress);
  if (found === undefined) return false;
  if (found.index !== vote.validatorIndex) return false;
  return verifyEd25519Cached(vote.signature, voteSignBytes(chainId, vote), found.validator.pubKey);
}
