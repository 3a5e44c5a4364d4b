// One LevelDB holds everything a node persists, so that a block's state, block, results and indexes
// commit in one atomic batch. Each part owns one first-byte range of the key space.
export const KEYSPACE = {
  /** chain/store: SMT nodes, state storage, multistore metadata (0x00-0x0f). */
  storeFirst: 0x00,
  storeLast: 0x0f,
  /** chain/blockstore: blocks, commits, results, tx index (0x10-0x2f). */
  blockstoreFirst: 0x10,
  blockstoreLast: 0x2f,
  /** chain/node: node metadata such as the last signed height (0x30-0x3f). */
  nodeFirst: 0x30,
  nodeLast: 0x3f,
  /** chain/consensus/evidence-pool: hashes of committed evidence (0x31 ‖ sha256 → height u64 BE). */
  committedEvidence: 0x31,
  /** chain/blobs: encrypted profile blobs by CID and their usage counter (one byte of the node range). */
  blobs: 0x3f,
  /** bridge-mqtt: device readings, their device/day indexes and last sequences (0x40-0x4f;
   * bridge-mqtt/README.md, Storage). Written outside block commits, in its own batches. */
  bridgeFirst: 0x40,
  bridgeLast: 0x4f,
  /** bridge-mqtt/commands: paid command windows still to be switched off (one byte of the bridge range). */
  bridgeCommands: 0x4c,
  /** bridge-mqtt/commitments: days whose devices are all final on chain (0x48) and per device-day
   * progress of this operator's vote (0x49); bridge-mqtt/README.md, Storage. */
  bridgeCommitmentDays: 0x48,
  bridgeCommitmentProgress: 0x49,
} as const;

/** The LevelDB flavour everyone uses: binary keys and values. */
export type BatchOperation =
  | { type: "put"; key: Uint8Array; value: Uint8Array }
  | { type: "del"; key: Uint8Array };
