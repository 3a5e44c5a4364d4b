// Trusted light blocks, kept by height and bounded (light/store). Only verified blocks are saved.
import type { LightBlock } from "./types.ts";

/** Trusted blocks kept by default: enough to answer recent commits and to skip back a little; the
 * oldest are pruned first (CometBFT's light client defaults to 1000 too). */
export const DEFAULT_MAX_TRUSTED_BLOCKS = 1000;

export interface LightStore {
  save(block: LightBlock): Promise<void>;
  get(height: bigint): Promise<LightBlock | undefined>;
  latest(): Promise<LightBlock | undefined>;
  /** The highest stored block strictly below `height`. */
  below(height: bigint): Promise<LightBlock | undefined>;
  /** The lowest stored block strictly above `height`. */
  above(height: bigint): Promise<LightBlock | undefined>;
  heights(): Promise<bigint[]>;
  /** Keeps the `keep` highest blocks. */
  prune(keep: number): Promise<void>;
}

/** In memory, pruned on every save to `maxBlocks`. */
export class MemoryLightStore implements LightStore {
  readonly #blocks = new Map<bigint, LightBlock>();
  /** Ascending. */
  #heights: bigint[] = [];
  readonly #maxBlocks: number;

  constructor(maxBlocks = DEFAULT_MAX_TRUSTED_BLOCKS) {
    if (!Number.isSafeInteger(maxBlocks) || maxBlocks < 1) throw new RangeError("maxBlocks must be >= 1");
    this.#maxBlocks = maxBlocks;
  }

  async save(block: LightBlock): Promise<void> {
    this.saveSync(block);
  }

  saveSync(block: LightBlock): void {
    const height = block.signedHeader.header.height;
    if (!this.#blocks.has(height)) {
      this.#heights.push(height);
      this.#heights.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    this.#blocks.set(height, block);
    this.pruneSync(this.#maxBlocks);
  }

  async get(height: bigint): Promise<LightBlock | undefined> {
    return this.#blocks.get(height);
  }

  async latest(): Promise<LightBlock | undefined> {
    const height = this.#heights.at(-1);
    return height === undefined ? undefined : this.#blocks.get(height);
  }

  async below(height: bigint): Promise<LightBlock | undefined> {
    for (let i = this.#heights.length - 1; i >= 0; i--)
      if (this.#heights[i]! < height) return this.#blocks.get(this.#heights[i]!);
    return undefined;
  }

  async above(height: bigint): Promise<LightBlock | undefined> {
    for (const candidate of this.#heights) if (candidate > height) return this.#blocks.get(candidate);
    return undefined;
  }

  async heights(): Promise<bigint[]> {
    return [...this.#heights];
  }

  async prune(keep: number): Promise<void> {
    this.pruneSync(keep);
  }

  pruneSync(keep: number): void {
    while (this.#heights.length > keep) this.#blocks.delete(this.#heights.shift()!);
  }

  all(): LightBlock[] {
    return this.#heights.map((height) => this.#blocks.get(height)!);
  }
}
