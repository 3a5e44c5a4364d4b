// Header-by-header and skipping verification against one node (light/client.go verifySequential,
// verifySkipping with the 9/16 bisection pivot). Used by the client and, for witnesses, the detector.
import type { Timestamp } from "../chain/types/block.ts";
import { LightClientError } from "./errors.ts";
import { validatorSetFrom } from "./json.ts";
import type { LightTransport } from "./transport.ts";
import { heightOf, type LightBlock, type VerificationOptions } from "./types.ts";
import { verify, verifyAdjacent } from "./verifier.ts";

export type VerificationMode = "sequential" | "skipping";

/** Bisection steps allowed for one target: each step at least halves the remaining distance in
 * the worst case for honest chains, so this is far above any real need and stops a node that keeps
 * answering with untrustable pivots. */
export const MAX_BISECTION_STEPS = 512;

/** Fetches and assembles the light block at `height` from one node (unverified). */
export async function fetchLightBlock(transport: LightTransport, height?: bigint): Promise<LightBlock> {
  const signedHeader = await transport.signedHeader(height);
  const actual = signedHeader.header.height;
  if (height !== undefined && actual !== height)
    throw new LightClientError("invalid_header", `${transport.name} answered height ${actual} for ${height}`);
  const validators = await transport.validators(actual);
  return { signedHeader, validatorSet: validatorSetFrom(validators) };
}

/** verifySkipping: try the target; on insufficient trust verify a pivot at 9/16 of the way first. */
export async function verifySkipping(
  source: LightTransport,
  trusted: LightBlock,
  target: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): Promise<LightBlock[]> {
  let verified = trusted;
  const cache: LightBlock[] = [target];
  let depth = 0;
  const trace: LightBlock[] = [trusted];
  for (let step = 0; step < MAX_BISECTION_STEPS; step++) {
    const candidate = cache[depth]!;
    try {
      verify(verified, candidate, options, now);
    } catch (error) {
      if (!(error instanceof LightClientError) || error.code !== "insufficient_trust") throw error;
      if (depth === cache.length - 1) {
        const pivot = heightOf(verified) + ((heightOf(candidate) - heightOf(verified)) * 9n) / 16n;
        cache.push(await fetchLightBlock(source, pivot));
      }
      depth++;
      continue;
    }
    trace.push(candidate);
    if (depth === 0) return trace;
    verified = candidate;
    cache.length = depth;
    depth = 0;
  }
  throw new LightClientError(
    "too_many_steps",
    `bisection to ${heightOf(target)} took over ${MAX_BISECTION_STEPS} steps`,
  );
}

/** verifySequential: every height from trusted+1 to the target, each adjacent to the last. */
export async function verifySequential(
  source: LightTransport,
  trusted: LightBlock,
  target: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): Promise<LightBlock[]> {
  const trace: LightBlock[] = [trusted];
  let verified = trusted;
  for (let height = heightOf(trusted) + 1n; height <= heightOf(target); height++) {
    const block = height === heightOf(target) ? target : await fetchLightBlock(source, height);
    verifyAdjacent(verified, block, options, now);
    trace.push(block);
    verified = block;
  }
  return trace;
}
