// Raw bytes of recently used SMT pages, by page key, bounded by bytes. Page keys carry the version that wrote
// the page and a page is never rewritten, so an entry can never be stale; it can only be pruned from the
// database, and pruned versions are refused before any tree walk. Only committed pages enter (a prepared block
// that is dropped may be prepared again differently under the same keys).
import { keyString } from "./bytes.ts";

/** Default budget, bytes: the pages just below the decoded top of the tree (depth 15 with 3-level pages: 2^15
 * pages of ~1 KB at 10^6 keys) fit, which saves one LevelDB read of the ~2.5 per write. Raw bytes cost ~10x
 * less memory than the decoded nodes they hold. */
export const DEFAULT_PAGE_CACHE_BYTES = 48 * 1024 * 1024;

/** Map entry, key string and array object overhead per cached page, bytes (approximate). */
const ENTRY_OVERHEAD_BYTES = 160;

/** A page's size for planning (a full 3-level page with its child refs is ~560 B, one holding leaves ~650 B). */
const TYPICAL_PAGE_BYTES = 1024;

export class PageCache {
  readonly #maxBytes: number;
  #bytes = 0;
  /** Insertion order is the eviction order (FIFO: simple, and as good as LRU for random access). */
  readonly #entries = new Map<string, Uint8Array>();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#entries.get(keyString(key));
  }

  /** Keeps `page` (not copied: the caller hands over an array nobody else writes). */
  set(key: Uint8Array, page: Uint8Array): void {
    if (this.#maxBytes <= 0) return;
    const id = keyString(key);
    const previous = this.#entries.get(id);
    if (previous !== undefined) this.#bytes -= previous.length + ENTRY_OVERHEAD_BYTES;
    this.#entries.set(id, page);
    this.#bytes += page.length + ENTRY_OVERHEAD_BYTES;
    for (const [oldest, bytes] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= bytes.length + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** Whether `pages` more pages of ~1 KB fit without evicting any. */
  hasRoomFor(pages: number): boolean {
    return this.#bytes + pages * (TYPICAL_PAGE_BYTES + ENTRY_OVERHEAD_BYTES) <= this.#maxBytes;
  }

  get sizeBytes(): number {
    return this.#bytes;
  }
}
