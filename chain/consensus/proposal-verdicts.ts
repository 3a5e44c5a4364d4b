// valid(v) of the Tendermint paper for the blocks a height sees: a carried block is decoded and
// checked against the BlockID it was proposed (or committed) as, then judged once by the
// BlockExecutor (header checks, evidence, processProposal); the verdict is remembered for the height,
// so a block seen again (re-proposal, catch-up commit, gossip repeat) costs nothing.
import type { Block, BlockID } from "../types/block.ts";
import { blockIdEquals, blockIdKey } from "../types/block-id.ts";
import { hashHeader } from "../types/header.ts";
import { makePartSet } from "../types/part-set.ts";
import type { BlockExecutor } from "./block-executor.ts";
import type { ChainState } from "./chain-state.ts";
import type { EngineLogger } from "./engine-io.ts";
import { decodeCarriedBlock } from "./tendermint/messages.ts";
import type { ProposedBlock } from "./tendermint/types.ts";

/** Verdicts on proposed blocks remembered per height (one block per round and proposer at most). */
const MAX_VERDICTS_PER_HEIGHT = 64;

/** Blocks whose bytes were built here from a decoded block (a proposal this node made, or one the
 * p2p layer rebuilt from a compact proposal and checked against its BlockID): the engine then takes
 * that block instead of decoding the same bytes again, so its txs stay the arrays the mempool and the
 * app's caches already know. Weak: an entry lives as long as the bytes. */
const builtBlocks = new WeakMap<Uint8Array, ProposedBlock>();

/** Remembers a block with its bytes and BlockID; the caller has checked they belong together. */
export function rememberProposedBlock(proposed: ProposedBlock): void {
  builtBlocks.set(proposed.blockBytes, proposed);
}

/** The block remembered for exactly these bytes, if any. */
export function knownProposedBlock(blockBytes: Uint8Array): ProposedBlock | undefined {
  return builtBlocks.get(blockBytes);
}

/** The block of `blockBytes` if it decodes and matches `expected`; otherwise `reject` is told why. */
export function proposedFromBytes(
  blockBytes: Uint8Array,
  expected: BlockID,
  reject: (reason: string) => void,
): ProposedBlock | undefined {
  const known = builtBlocks.get(blockBytes);
  if (known !== undefined && blockIdEquals(known.blockId, expected)) return known;
  let block: Block;
  try {
    block = decodeCarriedBlock(blockBytes);
  } catch (error) {
    reject(`undecodable block: ${(error as Error).message}`);
    return undefined;
  }
  const blockId: BlockID = { hash: hashHeader(block.header), partSetHeader: makePartSet(blockBytes).header };
  if (!blockIdEquals(blockId, expected)) {
    reject("block does not match its BlockID");
    return undefined;
  }
  return { block, blockId, blockBytes };
}

export class ProposalVerdicts {
  readonly #executor: Pick<BlockExecutor, "verifyProposal">;
  readonly #logger: EngineLogger;
  readonly #verdicts = new Map<string, boolean>();

  constructor(executor: Pick<BlockExecutor, "verifyProposal">, logger: EngineLogger) {
    this.#executor = executor;
    this.#logger = logger;
  }

  /** valid(v) of `proposed` as the block following `state`, computed once per height. */
  async verdict(state: ChainState, proposed: ProposedBlock): Promise<boolean> {
    const known = this.#verdicts.get(blockIdKey(proposed.blockId));
    if (known !== undefined) return known;
    const started = performance.now();
    const verdict = await this.#executor.verifyProposal(state, proposed.block, proposed.blockId);
    this.#logger.debug?.(
      {
        height: Number(proposed.block.header.height),
        txs: proposed.block.data.txs.length,
        valid: verdict,
        ms: Math.round(performance.now() - started),
      },
      "proposal verified",
    );
    this.remember(proposed.blockId, verdict);
    return verdict;
  }

  /** Records a verdict reached otherwise (this node's own proposal is valid). */
  remember(blockId: BlockID, verdict: boolean): void {
    if (this.#verdicts.size >= MAX_VERDICTS_PER_HEIGHT)
      this.#verdicts.delete(this.#verdicts.keys().next().value!);
    this.#verdicts.set(blockIdKey(blockId), verdict);
  }

  /** A new height: the verdicts of the last one say nothing about its blocks. */
  clear(): void {
    this.#verdicts.clear();
  }
}
