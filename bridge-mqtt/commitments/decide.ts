// What this validator does for one device-day, given the chain's view (meter Status) and its own
// body (README.md, Daily commitments). Pure: the scheduler gathers the inputs and performs the action.
import { bytesEqual, sha256 } from "../../chain/crypto/hash.ts";
import { dayBytes } from "./day-index.ts";

export interface ChainCandidate {
  hash: Uint8Array;
  /** Operators backing it, submitter first. */
  attesters: readonly string[];
}

export interface DecisionInput {
  final: boolean;
  finalHash?: Uint8Array;
  candidates: readonly ChainCandidate[];
  /** sha256 of our canonical body. */
  ourHash: Uint8Array;
  operator: string;
  /** This validator is the device-day's designated submitter (designatedSubmitter). */
  designated: boolean;
  /** Our turn to submit came (submitterTurn × the fallback wait after the due time). */
  fallbackDue: boolean;
  /** A repair from peers was already tried for this device-day (or none is possible). */
  repaired: boolean;
}

export type Decision =
  | { kind: "final"; hash: Uint8Array }
  /** We back a candidate already: wait for finality. `matches`: it is our current body. */
  | { kind: "voted"; hash: Uint8Array; matches: boolean }
  | { kind: "attest"; hash: Uint8Array }
  /** `conflict`: other candidates exist and ours differs from all of them. */
  | { kind: "submit"; conflict: boolean }
  | { kind: "wait" }
  | { kind: "repair" };

export function decide(input: DecisionInput): Decision {
  if (input.final) return { kind: "final", hash: input.finalHash ?? new Uint8Array(0) };
  const backed = input.candidates.find((candidate) => candidate.attesters.includes(input.operator));
  if (backed !== undefined)
    return { kind: "voted", hash: backed.hash, matches: bytesEqual(backed.hash, input.ourHash) };
  const same = input.candidates.find((candidate) => bytesEqual(candidate.hash, input.ourHash));
  if (same !== undefined) return { kind: "attest", hash: same.hash };
  if (input.candidates.length === 0)
    return input.designated || input.fallbackDue ? { kind: "submit", conflict: false } : { kind: "wait" };
  return input.repaired ? { kind: "submit", conflict: true } : { kind: "repair" };
}

function designatedIndex(sorted: readonly string[], deviceId: string, day: bigint): number {
  if (sorted.length === 0) throw new RangeError("no validator operators");
  const digest = sha256(Buffer.concat([Buffer.from(deviceId, "latin1"), dayBytes(day)]));
  return Buffer.from(digest).readUInt32BE(0) % sorted.length;
}

/** The operator expected to submit a device-day: operators sorted, index = first 4 bytes of
 * sha256(device id ‖ day (4, BE)) mod n, so submissions spread over the validators. */
export function designatedSubmitter(operators: readonly string[], deviceId: string, day: bigint): string {
  const sorted = [...operators].sort();
  return sorted[designatedIndex(sorted, deviceId, day)]!;
}

/** An operator's turn for a device-day: 0 for the designated submitter, then 1, 2, … following it in
 * the sorted ring. Turn k submits after k fallback waits, so a silent submitter is replaced by one
 * validator at a time instead of by all of them at once. Undefined for a non-operator. */
export function submitterTurn(
  operators: readonly string[],
  operator: string,
  deviceId: string,
  day: bigint,
): number | undefined {
  const sorted = [...operators].sort();
  const mine = sorted.indexOf(operator);
  if (mine < 0) return undefined;
  return (mine - designatedIndex(sorted, deviceId, day) + sorted.length) % sorted.length;
}
