// Gossip topic and protocol names, one set per chain id, so two chains never mix messages.

export interface ChainTopics {
  txs: string;
  consensus: string;
  evidence: string;
  blocksync: string;
}

export function chainTopics(chainId: string): ChainTopics {
  const prefix = `/sensorchain/${chainId}`;
  return {
    txs: `${prefix}/txs/1`,
    consensus: `${prefix}/consensus/1`,
    evidence: `${prefix}/evidence/1`,
    blocksync: `${prefix}/blocksync/1`,
  };
}
