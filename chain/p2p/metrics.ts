// Counters of the p2p layer (prom-client gauges later; served now by the `net_info` RPC under
// `p2p_metrics`). Plain numbers: they are incremented on hot paths.

export interface P2PMetrics {
  /** Gossip messages by topic kind and validation result. */
  consensusAccepted: number;
  consensusRejected: number;
  consensusIgnored: number;
  txBatchesAccepted: number;
  txBatchesRejected: number;
  txBatchesIgnored: number;
  evidenceAccepted: number;
  evidenceRejected: number;
  /** Consensus-topic bytes this node published (proposals, votes, catch-up commits, repeats) and
   * received past gossipsub's duplicate filter, whatever the verdict: what consensus costs the wire. */
  consensusBytesPublished: number;
  consensusBytesReceived: number;
  /** Of the published bytes, those of catch-up commits (a block and its commit, for a peer behind). */
  catchupBytesPublished: number;
  /** Compact proposals received and rebuilt into their block; txs of them fetched from the sender
   * (missing here) and fetches that failed (the proposal is then ignored until it is repeated). */
  compactProposalsRebuilt: number;
  proposalTxsFetched: number;
  proposalTxFetchFailures: number;
  /** Txs received by gossip and handed to ingress, and those ingress accepted. */
  txsReceived: number;
  txsAdmitted: number;
  /** Txs published (in batches) and batches published. */
  txsGossiped: number;
  txBatchesPublished: number;
  /** Drops because a bounded queue was full. */
  outboundTxsDropped: number;
  inboundTxsDropped: number;
  engineInputsDropped: number;
  /** Messages the consensus engine rejected after the gossip validator accepted them. */
  engineRejected: number;
  publishErrors: number;
  /** Block sync: requests served, blocks served, blocks fetched and applied, failed requests. */
  blocksyncRequestsServed: number;
  blocksyncBlocksServed: number;
  blocksyncBlocksApplied: number;
  blocksyncRequestErrors: number;
  /** Persistent-peer dials attempted and failed. */
  dials: number;
  dialFailures: number;
}

export function createP2PMetrics(): P2PMetrics {
  return {
    consensusAccepted: 0,
    consensusRejected: 0,
    consensusIgnored: 0,
    txBatchesAccepted: 0,
    txBatchesRejected: 0,
    txBatchesIgnored: 0,
    evidenceAccepted: 0,
    evidenceRejected: 0,
    consensusBytesPublished: 0,
    consensusBytesReceived: 0,
    catchupBytesPublished: 0,
    compactProposalsRebuilt: 0,
    proposalTxsFetched: 0,
    proposalTxFetchFailures: 0,
    txsReceived: 0,
    txsAdmitted: 0,
    txsGossiped: 0,
    txBatchesPublished: 0,
    outboundTxsDropped: 0,
    inboundTxsDropped: 0,
    engineInputsDropped: 0,
    engineRejected: 0,
    publishErrors: 0,
    blocksyncRequestsServed: 0,
    blocksyncBlocksServed: 0,
    blocksyncBlocksApplied: 0,
    blocksyncRequestErrors: 0,
    dials: 0,
    dialFailures: 0,
  };
}
