// Inclusion proofs of stored readings in their final daily commitment (modules/meter/README.md,
// Tree): the meter module's Commitment query says whether a device-day is final; the proofs come
// from this node's copy of the day, and are given only when that copy's root and count are the
// committed ones (a node whose set differs has nothing it could prove).
import { type ReadingInclusionProof, readingProofs } from "../../light-client/reading-inclusion.ts";
import { type Commitment, commitmentFromProto, pb as meterPb } from "../../modules/meter/codec.ts";
import { MeterCode } from "../../modules/meter/errors.ts";
import { QUERY_COMMITMENT } from "../../modules/meter/type-urls.ts";
import type { ReadingStore } from "../reading-store.ts";
import type { QueryFunction } from "../registry.ts";
import { scanReadingFields } from "./reading-fields.ts";

/** Proved days kept in memory: a 1 Hz device's day is 86,400 proofs (~15 MB of path references),
 * and history requests usually walk one or two days. A final day never changes. */
export const MAX_CACHED_PROVED_DAYS = 4;

export class CommitmentQueryFailed extends Error {
  readonly code = "commitment_query_failed";
  constructor(message: string) {
    super(message);
    this.name = "CommitmentQueryFailed";
  }
}

export interface ProvedDay {
  commitment: Commitment;
  /** Proof of each reading by sequence; empty when this node's copy is not the committed set. */
  proofs: Map<bigint, ReadingInclusionProof>;
}

export class DayProofs {
  readonly #store: ReadingStore;
  readonly #query: QueryFunction;
  readonly #cache = new Map<string, ProvedDay>();

  constructor(options: { store: ReadingStore; query: QueryFunction }) {
    this.#store = options.store;
    this.#query = options.query;
  }

  /** The final commitment of a device-day with proofs of this node's readings, or undefined while
   * the day is not final. */
  async provedDay(deviceId: string, day: bigint): Promise<ProvedDay | undefined> {
    const key = `${deviceId}|${day}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const response = await this.#query(
      QUERY_COMMITMENT,
      meterPb.QueryCommitmentRequest.encode({ deviceId, day: Number(day) }).finish(),
    );
    // Not found: the day is not final.
    if (response.code === MeterCode.commitmentNotFound.code) return undefined;
    if (response.code !== 0)
      throw new CommitmentQueryFailed(`commitment query failed with code ${response.code}`);
    const message = meterPb.QueryCommitmentResponse.decode(response.value).commitment;
    if (message === null || message === undefined)
      throw new CommitmentQueryFailed("commitment query gave none");
    const commitment = commitmentFromProto(message);
    const readings = await this.#store.dayReadings(deviceId, day);
    const proofs = new Map<bigint, ReadingInclusionProof>();
    if (BigInt(readings.length) === commitment.body.count) {
      const tree = readingProofs(readings);
      if (Buffer.compare(tree.root, commitment.body.root) === 0)
        for (const [index, bytes] of readings.entries())
          proofs.set(scanReadingFields(bytes).sequence, tree.proofs[index]!);
    }
    const proved = { commitment, proofs };
    // Cached only when complete: a node still repairing its copy may prove the day later.
    if (proofs.size > 0) {
      if (this.#cache.size >= MAX_CACHED_PROVED_DAYS) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, proved);
    }
    return proved;
  }
}
