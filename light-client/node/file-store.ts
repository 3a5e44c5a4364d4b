// A LightStore kept in one JSON file (CometBFT JSON of each light block), for the CLI. Loaded whole
// at open, rewritten atomically (temp file + rename) on every change; bounded like the memory store.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { LightClientError } from "../errors.ts";
import { decodeLightBlock, encodeLightBlock } from "../json.ts";
import { DEFAULT_MAX_TRUSTED_BLOCKS, type LightStore, MemoryLightStore } from "../store.ts";
import type { LightBlock } from "../types.ts";

const FORMAT_VERSION = 1;

export class FileLightStore implements LightStore {
  readonly path: string;
  readonly #memory: MemoryLightStore;
  readonly #maxBlocks: number;

  private constructor(path: string, maxBlocks: number) {
    this.path = path;
    this.#maxBlocks = maxBlocks;
    this.#memory = new MemoryLightStore(maxBlocks);
  }

  static async open(path: string, maxBlocks = DEFAULT_MAX_TRUSTED_BLOCKS): Promise<FileLightStore> {
    const store = new FileLightStore(path, maxBlocks);
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (text !== undefined) {
      let json: { version?: number; blocks?: unknown[] };
      try {
        json = JSON.parse(text);
      } catch {
        throw new LightClientError("malformed_response", `light store ${path} is not JSON`);
      }
      if (json.version !== FORMAT_VERSION || !Array.isArray(json.blocks))
        throw new LightClientError("malformed_response", `light store ${path} has an unknown format`);
      for (const block of json.blocks) store.#memory.saveSync(decodeLightBlock(block));
    }
    return store;
  }

  async #flush(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    const blocks = this.#memory.all().map(encodeLightBlock);
    await writeFile(temp, JSON.stringify({ version: FORMAT_VERSION, blocks }));
    await rename(temp, this.path);
  }

  async save(block: LightBlock): Promise<void> {
    this.#memory.saveSync(block);
    await this.#flush();
  }

  get(height: bigint) {
    return this.#memory.get(height);
  }
  latest() {
    return this.#memory.latest();
  }
  below(height: bigint) {
    return this.#memory.below(height);
  }
  above(height: bigint) {
    return this.#memory.above(height);
  }
  heights() {
    return this.#memory.heights();
  }

  async prune(keep: number): Promise<void> {
    this.#memory.pruneSync(Math.min(keep, this.#maxBlocks));
    await this.#flush();
  }
}
