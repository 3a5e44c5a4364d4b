// Why a reading batch, a replicated reading or a repair was refused: stable codes (README.md, Gossip
// and repair), counted in ReplicationCounters.

/** An operating error with a stable code; its name is its class's. */
class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

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

export class ReadingBatchRejected extends CodedError<BatchRejection> {}

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

export class ReplicatedReadingDropped extends CodedError<ReadingDrop> {}

/** A peer's repair answer refused as a whole (that peer is skipped, the next one asked): not a
 * RepairResponse (`malformed`), more readings than asked for (`too_many_readings`), an empty or
 * oversized reading (`bad_reading_size`), or sequences not above the page's start and increasing
 * (`out_of_order`, which would page forever). */
export const REPAIR_RESPONSE_REJECTIONS = [
  "malformed",
  "too_many_readings",
  "bad_reading_size",
  "out_of_order",
] as const;
export type RepairResponseRejection = (typeof REPAIR_RESPONSE_REJECTIONS)[number];

export class RepairResponseRejected extends CodedError<RepairResponseRejection> {}

/** A repair could not run: no validator peer answered (`no_peers`), or there is no network (a solo
 * chain). Requests with bad fields get `bad_request`. */
export class RepairFailed extends CodedError<"no_network" | "no_peers" | "bad_request"> {}
