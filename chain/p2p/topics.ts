// Gossip topic and protocol names, one set per chain id, so two chains never mix messages.

export interface ChainTopics {
  txs: string;
  consensus: string;
  evidence: string;
  blocksync: string;
  /** Request/response: txs of a compact proposal this node lacks (compact-proposal.ts). */
  proposalTxs: string;
  /** Validator-signed batches of device readings (bridge-mqtt/gossip). */
  readings: string;
  /** Request/response: one device's day of readings, for repair (bridge-mqtt/gossip). */
  readingsRepair: string;
  /** Validator-signed consumer commands, delivered by whichever bridge the actuator is on (bridge-mqtt/commands). */
  consumerCommands: string;
}

export function chainTopics(chainId: string): ChainTopics {
  const prefix = `/sensorchain/${chainId}`;
  return {
    txs: `${prefix}/txs/1`,
    consensus: `${prefix}/consensus/1`,
    evidence: `${prefix}/evidence/1`,
    blocksync: `${prefix}/blocksync/1`,
    proposalTxs: `${prefix}/proposal-txs/1`,
    readings: `${prefix}/readings/1`,
    readingsRepair: `${prefix}/readings-repair/1`,
    consumerCommands: `${prefix}/consumer-commands/1`,
  };
}
