// Names what differs between a remote node's state and the replayed one when replay reads a chain
// over RPC (no original database at hand). The anchor is the app hash of the mismatching header,
// whose commit replay has verified: for each store, the remote's store root is read off a proven
// abci_query (the multistore level of the ICS-23 chain, checked against that app hash) and compared
// with the replayed store's root; in each differing store the replayed keys are asked for, proven,
// one by one, and those whose value differs or is absent remotely are named. Keys only the remote
// holds cannot be listed over RPC (hashed SMT keys, no range proofs): the report says so.

import {
  calculateRoot,
  decodeCommitmentProof,
  Ics23Error,
  verifyChainedMembership,
  verifyChainedNonMembership,
} from "../../light-client/ics23/index.ts";
import type { LightTransport } from "../../light-client/transport.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";
import type { CommitMultiStore } from "../store/commit-types.ts";
import { type KeyDiff, MAX_REPORTED_KEYS, type StateDiff, type StoreDiff } from "./state-diff.ts";

/** Replayed keys of one differing store asked for over RPC (one proven abci_query each): enough to
 * find a corrupted value among a few thousand accounts without hammering the remote node. */
export const MAX_REMOTE_DIFF_KEYS = 5_000;
/** Proven queries in flight to the remote node. */
const REMOTE_QUERY_CONCURRENCY = 16;
/** The key asked for when only a store's root is wanted (its presence does not matter). */
const ROOT_PROBE_KEY = Uint8Array.of(0x00);

interface Proven {
  value: Uint8Array | undefined;
  storeRoot: Uint8Array;
}

/** A proven answer for store/key at `version`, checked against `appHash`; undefined when the remote
 * answers with something that does not verify (then it names nothing). */
async function provenAt(
  remote: LightTransport,
  appHash: Uint8Array,
  store: string,
  key: Uint8Array,
  version: number,
): Promise<Proven | undefined> {
  const response = await remote.abciQuery({
    path: `/store/${store}/key`,
    data: key,
    height: BigInt(version),
    prove: true,
  });
  if (response.code !== 0 || response.height !== BigInt(version) || response.proofOps.length === 0)
    return undefined;
  try {
    if (response.value.length === 0) verifyChainedNonMembership(appHash, response.proofOps, store, key);
    else verifyChainedMembership(appHash, response.proofOps, store, key, response.value);
    const storeRoot = calculateRoot(decodeCommitmentProof(response.proofOps[0]!.data));
    return { value: response.value.length === 0 ? undefined : response.value, storeRoot };
  } catch (error) {
    if (error instanceof Ics23Error) return undefined;
    throw error;
  }
}

/** Compares the replayed state at `version` with the remote's state that `appHash` (the header
 * of height version + 1) commits to. */
export async function diffRemoteState(
  remote: LightTransport,
  appHash: Uint8Array,
  replayed: CommitMultiStore,
  version: number,
): Promise<StateDiff> {
  const replayedRoots = await replayed.storeRoots(version);
  const reader = replayed.readerAt(version);
  const stores: StoreDiff[] = [];
  const unproven: string[] = [];
  for (const [store, replayedRoot] of [...replayedRoots.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const probe = await provenAt(remote, appHash, store, ROOT_PROBE_KEY, version);
    if (probe === undefined) {
      unproven.push(store);
      continue;
    }
    if (bytesEqual(probe.storeRoot, replayedRoot)) continue;
    const keys: KeyDiff[] = [];
    let asked = 0;
    let truncated = false;
    const batch: [Uint8Array, Uint8Array][] = [];
    const flush = async () => {
      const answers = await Promise.all(batch.map(([key]) => provenAt(remote, appHash, store, key, version)));
      for (const [index, [key, value]] of batch.entries()) {
        const answer = answers[index];
        if (answer === undefined || (answer.value !== undefined && bytesEqual(answer.value, value))) continue;
        if (keys.length === MAX_REPORTED_KEYS) {
          truncated = true;
          break;
        }
        keys.push({
          key: toHex(key),
          original: answer.value === undefined ? null : toHex(answer.value),
          replayed: toHex(value),
        });
      }
      batch.length = 0;
    };
    for await (const [key, value] of reader.iterate(store)) {
      if (asked === MAX_REMOTE_DIFF_KEYS || truncated) {
        truncated = true;
        break;
      }
      asked++;
      batch.push([key, value]);
      if (batch.length === REMOTE_QUERY_CONCURRENCY) await flush();
    }
    if (!truncated) await flush();
    stores.push({
      store,
      originalRoot: toHex(probe.storeRoot),
      replayedRoot: toHex(replayedRoot),
      keys,
      truncated,
    });
  }
  const notes: string[] = [];
  if (stores.some((s) => s.keys.length === 0 && !s.truncated))
    notes.push(
      "a store differs in keys only the remote holds (not listable over RPC: no range proofs over hashed keys)",
    );
  if (unproven.length > 0)
    notes.push(
      `the remote gave no verifiable proof for store(s) ${unproven.join(", ")} at version ${version}`,
    );
  return { version, stores, ...(notes.length === 0 ? {} : { unavailable: notes.join("; ") }) };
}
