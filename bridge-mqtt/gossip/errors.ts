// Why a reading batch, a replicated reading or a repair was refused: stable codes (README.md, Gossip
// and repair), counted in ReplicationCounters.

/** A gossiped batch refused as a whole; gossipsub penalises the peer that forwarded it. */
export const BATCH_REJECTIONS = [
  "oversized",
  "malformed",
  "not_canonical",
  "wrong_chain",
  "not_validator",
  "bad_signature",
] as const;
export type BatchRejection = (typeof BATCH_REJECTIONS)[number];

export class ReadingBatchRejected extends Error {
  readonly code: BatchRejection;
  constructor(code: BatchRejection, message: string) {
    super(message);
    this.name = "ReadingBatchRejected";
    this.code = code;
  }
}

/** One reading inside an accepted batch or a repair response, dropped (the others are stored). */
export const READING_DROPS = [
  "malformed",
  "not_canonical",
  "unknown_device",
  "bad_signature",
  "future",
  "wrong_day",
  "registry_unavailable",
  "verifier_unavailable",
] as const;
export type ReadingDrop = (typeof READING_DROPS)[number];

export class ReplicatedReadingDropped extends Error {
  readonly code: ReadingDrop;
  constructor(code: ReadingDrop, message: string) {
    super(message);
    this.name = "ReplicatedReadingDropped";
    this.code = code;
  }
}

/** A repair could not run: no validator peer answered (`no_peers`), or there is no network (a solo
 * chain). Requests with bad fields get `bad_request`. */
export class RepairFailed extends Error {
  readonly code: "no_network" | "no_peers" | "bad_request";
  constructor(code: RepairFailed["code"], message: string) {
    super(message);
    this.name = "RepairFailed";
    this.code = code;
  }
}
