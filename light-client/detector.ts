// Fork detection (CometBFT light/detector.go): every newly verified height is compared with each
// witness. On a different header hash, the witness's header is verified from the last block both
// sides agree on; if it verifies, two validly signed histories exist — a light client attack — and
// evidence is built against each side and submitted to the other. A witness whose header does not
// verify is faulty and is dropped.
import type { LightClientAttackEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Timestamp } from "../chain/types/block.ts";
import { bytesEqual } from "../chain/types/bytes.ts";
import { headerHash } from "../chain/types/header.ts";
import { fetchLightBlock, verifySkipping } from "./bisection.ts";
import { LightClientError } from "./errors.ts";
import { buildAttackEvidence } from "./evidence.ts";
import type { LightTransport } from "./transport.ts";
import { heightOf, type LightBlock, type VerificationOptions } from "./types.ts";

export interface EvidenceSubmission {
  to: string;
  accepted: boolean;
  error?: string;
}

export interface AttackReport {
  kind: "attack";
  witness: string;
  /** First height at which the primary's trace and the witness disagree. */
  height: bigint;
  commonHeight: bigint;
  primaryHash: Uint8Array;
  witnessHash: Uint8Array;
  /** Evidence that the primary's validators signed a conflicting block (sent to the witness). */
  evidenceAgainstPrimary: LightClientAttackEvidence;
  /** The mirror image (sent to the primary): we cannot tell which side is honest. */
  evidenceAgainstWitness: LightClientAttackEvidence;
  submissions: EvidenceSubmission[];
}

export interface FaultyWitnessReport {
  kind: "faulty_witness";
  witness: string;
  height: bigint;
  error: LightClientError;
}

export type DetectionReport = AttackReport | FaultyWitnessReport;

function sameHeader(a: LightBlock, b: LightBlock): boolean {
  return bytesEqual(headerHash(a.signedHeader.header), headerHash(b.signedHeader.header));
}

async function submit(to: LightTransport, evidence: LightClientAttackEvidence): Promise<EvidenceSubmission> {
  try {
    await to.broadcastEvidence(evidence);
    return { to: to.name, accepted: true };
  } catch (error) {
    return { to: to.name, accepted: false, error: (error as Error).message };
  }
}

/** Walks the primary's trace against one witness; undefined when they agree everywhere. */
async function examineWitness(
  primary: LightTransport,
  witness: LightTransport,
  trace: LightBlock[],
  witnessTarget: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): Promise<DetectionReport | undefined> {
  let common = trace[0]!;
  for (let i = 1; i < trace.length; i++) {
    const primaryBlock = trace[i]!;
    const isTarget = i === trace.length - 1;
    let witnessBlock: LightBlock;
    try {
      witnessBlock = isTarget ? witnessTarget : await fetchLightBlock(witness, heightOf(primaryBlock));
    } catch (error) {
      return faulty(witness, heightOf(primaryBlock), error);
    }
    if (sameHeader(primaryBlock, witnessBlock)) {
      common = primaryBlock;
      continue;
    }
    try {
      await verifySkipping(witness, common, witnessBlock, options, now);
    } catch (error) {
      return faulty(witness, heightOf(primaryBlock), error);
    }
    const evidenceAgainstPrimary = buildAttackEvidence(primaryBlock, witnessBlock, common);
    const evidenceAgainstWitness = buildAttackEvidence(witnessBlock, primaryBlock, common);
    const submissions = [
      await submit(witness, evidenceAgainstPrimary),
      await submit(primary, evidenceAgainstWitness),
    ];
    return {
      kind: "attack",
      witness: witness.name,
      height: heightOf(primaryBlock),
      commonHeight: heightOf(common),
      primaryHash: headerHash(primaryBlock.signedHeader.header),
      witnessHash: headerHash(witnessBlock.signedHeader.header),
      evidenceAgainstPrimary,
      evidenceAgainstWitness,
      submissions,
    };
  }
  return undefined;
}

function faulty(witness: LightTransport, height: bigint, error: unknown): FaultyWitnessReport {
  const wrapped =
    error instanceof LightClientError
      ? error
      : new LightClientError("faulty_witness", (error as Error).message, {}, { cause: error });
  return { kind: "faulty_witness", witness: witness.name, height, error: wrapped };
}

/** detectDivergence: compares the trace's last block with every witness. A witness that does not
 * have the height yet is skipped (it may be behind), as CometBFT does. */
export async function detectForks(
  primary: LightTransport,
  witnesses: readonly LightTransport[],
  trace: LightBlock[],
  options: VerificationOptions,
  now: Timestamp,
): Promise<DetectionReport[]> {
  const target = trace.at(-1)!;
  const reports: DetectionReport[] = [];
  for (const witness of witnesses) {
    let witnessTarget: LightBlock;
    try {
      witnessTarget = await fetchLightBlock(witness, heightOf(target));
    } catch (error) {
      if (
        error instanceof LightClientError &&
        (error.code === "height_unavailable" || error.code === "transport_error")
      )
        continue;
      reports.push(faulty(witness, heightOf(target), error));
      continue;
    }
    if (sameHeader(target, witnessTarget)) continue;
    const report = await examineWitness(primary, witness, trace, witnessTarget, options, now);
    if (report !== undefined) reports.push(report);
  }
  return reports;
}
