// What replay checks of each block before executing it: it links to the previous block, its txs and
// evidence hash to its header, the validator set the source gives hashes to validators_hash, and its
// commit signs it with more than 2/3 of that set's power (every signature checked). Nothing the
// source gives is trusted.
import { txHashOf } from "../app/tx-hash.ts";
import type { ReplaySource } from "../audit/replay-source.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";
import type { Block, Commit } from "../types/block.ts";
import { dataHash, evidenceHash } from "../types/hashes.ts";
import { headerHash } from "../types/header.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { verifyCommit } from "../types/verify-commit.ts";
import { ReplayError } from "./report.ts";

/** What the previous replayed block fixes about the next one (undefined before the first). */
export interface PreviousBlock {
  blockId: Uint8Array;
  nextValidatorsHash: Uint8Array;
}

const invalidBlock = (height: bigint, message: string) =>
  new ReplayError("invalid_block", `block ${height}: ${message}`, height);

/** Throws invalid_block unless the block is `height` of `chainId`, follows `previous`, and its txs
 * and evidence hash to its header. */
export function checkBlock(
  block: Block,
  height: bigint,
  chainId: string,
  previous: PreviousBlock | undefined,
): void {
  const { header } = block;
  if (header.height !== height) throw invalidBlock(height, `header says height ${header.height}`);
  if (header.chainId !== chainId) throw invalidBlock(height, `header is for chain ${header.chainId}`);
  if (previous !== undefined && !bytesEqual(header.lastBlockId.hash, previous.blockId))
    throw invalidBlock(height, "last_block_id is not the previous block's hash");
  // Through the tx-hash memo: finalizeBlock's decoding takes the same hashes from it.
  if (
    !bytesEqual(
      dataHash(block.data.txs, (tx) => txHashOf(tx).hash),
      header.dataHash,
    )
  )
    throw invalidBlock(height, "txs do not hash to data_hash");
  if (!bytesEqual(evidenceHash(block.evidence), header.evidenceHash))
    throw invalidBlock(height, "evidence does not hash to evidence_hash");
  if (previous !== undefined && !bytesEqual(header.validatorsHash, previous.nextValidatorsHash))
    throw invalidBlock(height, "validators_hash is not the previous header's next_validators_hash");
}

/** The set that signs `height`: `current` while it still hashes to the header's validators_hash,
 * else the source's set for the height, which must. */
export async function signingSetOf(
  source: ReplaySource,
  block: Block,
  height: bigint,
  current: ValidatorSet | undefined,
): Promise<ValidatorSet> {
  const { header } = block;
  if (current !== undefined && bytesEqual(current.hash(), header.validatorsHash)) return current;
  const validators = await source.validators(height);
  if (validators === undefined)
    throw invalidBlock(height, `no validator set for height ${height} in ${source.name}`);
  const set = new ValidatorSet(validators);
  if (!bytesEqual(set.hash(), header.validatorsHash))
    throw invalidBlock(
      height,
      `the validator set given for it hashes to ${toHex(set.hash())}, not validators_hash`,
    );
  return set;
}

/** Returns `commit` once it is known to sign this block's header with > 2/3 of `signingSet`'s power;
 * throws invalid_commit otherwise. */
export function checkCommit(
  chainId: string,
  block: Block,
  height: bigint,
  signingSet: ValidatorSet,
  commit: Commit | undefined,
): Commit {
  if (commit === undefined) throw new ReplayError("invalid_commit", `no commit for height ${height}`, height);
  if (!bytesEqual(headerHash(block.header), commit.blockId.hash))
    throw new ReplayError("invalid_commit", `block ${height}: the commit signs another block`, height);
  try {
    verifyCommit(chainId, signingSet, commit.blockId, height, commit, { verifySignature: verifyEd25519 });
  } catch (error) {
    throw new ReplayError(
      "invalid_commit",
      `block ${height}: commit does not verify against its validator set: ${(error as Error).message}`,
      height,
      { cause: error },
    );
  }
  return commit;
}
