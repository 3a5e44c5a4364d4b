// The SDK's query.Paginate over one key prefix: key- or offset-based pages, count_total, reverse.
// Keys in PageRequest.key / PageResponse.next_key are relative to the prefix, as in the SDK.
import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { concatBytes } from "../crypto/hash.ts";
import { sdkError } from "./errors.ts";
import type { QueryStore } from "./module.ts";

/** query.DefaultLimit of the SDK. */
export const DEFAULT_PAGE_LIMIT = 100n;
/** Largest page we serve in one response; bounds the work of one query. */
export const MAX_PAGE_LIMIT = 1000n;

export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export async function paginate(
  store: QueryStore,
  prefix: Uint8Array,
  page: PageRequest | undefined,
  onItem: (keySuffix: Uint8Array, value: Uint8Array) => void,
): Promise<PageResponse> {
  const key = page?.key ?? new Uint8Array(0);
  const offset = page?.offset ?? 0n;
  if (key.length > 0 && offset > 0n)
    throw sdkError("invalidRequest", "invalid request, either offset or key is expected, got both");
  let limit = page?.limit ?? 0n;
  if (limit === 0n) limit = DEFAULT_PAGE_LIMIT;
  if (limit > MAX_PAGE_LIMIT) limit = MAX_PAGE_LIMIT;
  const reverse = page?.reverse ?? false;
  const countTotal = (page?.countTotal ?? false) && key.length === 0;

  const end = prefixEnd(prefix);
  let start: Uint8Array = prefix;
  let stop: Uint8Array | undefined = end;
  if (key.length > 0) {
    // Forward pages start at the key; reverse pages end at it inclusive.
    if (reverse) stop = concatBytes(prefix, key, Uint8Array.of(0));
    else start = concatBytes(prefix, key);
  }
  const range = stop === undefined ? { start, reverse } : { start, end: stop, reverse };
  let index = 0n;
  let taken = 0n;
  let nextKey = new Uint8Array(0);
  for await (const [fullKey, value] of store.iterate(range)) {
    if (index < offset) {
      index++;
      continue;
    }
    if (taken === limit) {
      if (nextKey.length === 0) nextKey = fullKey.slice(prefix.length);
      if (!countTotal) break;
      index++;
      continue;
    }
    onItem(fullKey.subarray(prefix.length), value);
    taken++;
    index++;
  }
  return { nextKey, total: countTotal ? index : 0n };
}
