// Height and page rules of CometBFT's rpc/core (env.go getHeight, validatePage, validatePerPage,
// blocks.go filterMinMax), so clients that page until `total_count` behave the same here.
import type { BlockStore } from "../blockstore/types.ts";
import { internalError, invalidParams } from "./errors.ts";
import { optionalInteger, type Params } from "./params.ts";

/** Default and maximum page size of every paged route (CometBFT defaultPerPage / maxPerPage). */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;
/** At most this many block metas per `blockchain` call (CometBFT's limit, keeps responses small). */
export const MAX_BLOCKCHAIN_METAS = 20n;

/** The `height` param checked against the store: absent = latest; > latest, < base, <= 0 are errors. */
export function resolveHeight(store: BlockStore, params: Params, name = "height"): bigint {
  const requested = optionalInteger(params, name);
  const latest = store.height();
  if (requested === undefined) return latest;
  return checkHeight(store, requested, latest);
}

export function checkHeight(store: BlockStore, height: bigint, latest: bigint): bigint {
  if (height <= 0n) throw invalidParams(`height must be greater than 0, but got ${height}`);
  if (height > latest) {
    throw internalError(
      `height ${height} must be less than or equal to the current blockchain height ${latest}`,
    );
  }
  const base = store.base();
  if (height < base) throw internalError(`height ${height} is not available, lowest height is ${base}`);
  return height;
}

/** per_page: absent or <= 0 gives the default, above the maximum is clamped (as CometBFT). */
export function resolvePerPage(params: Params): number {
  const perPage = optionalInteger(params, "per_page");
  if (perPage === undefined || perPage <= 0n) return DEFAULT_PER_PAGE;
  return perPage > BigInt(MAX_PER_PAGE) ? MAX_PER_PAGE : Number(perPage);
}

/** The requested 1-based page, validated for shape only; checkPage validates it against a total. */
export function resolvePage(params: Params): number {
  const page = optionalInteger(params, "page");
  if (page === undefined) return 1;
  if (page <= 0n) throw invalidParams(`page must be a positive integer, got ${page}`);
  // Anything past this cannot exist: totals are JS numbers.
  return page > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(page);
}

/** A page past the last is an error, never an empty page: cosmjs pages until it has total_count
 * items and would loop forever on an empty page (cosmjs-rpc.md §3.5). Zero results: page 1 is valid. */
export function checkPage(page: number, perPage: number, totalCount: number): void {
  const pages = totalCount === 0 ? 1 : Math.ceil(totalCount / perPage);
  if (page > pages) throw internalError(`page should be within [1, ${pages}] range, given ${page}`);
}

export function resolveOrderBy(params: Params): "asc" | "desc" {
  const value = params["order_by"];
  if (value === undefined || value === null || value === "" || value === "asc") return "asc";
  if (value === "desc") return "desc";
  throw invalidParams(`order_by: expected "asc" or "desc", got ${JSON.stringify(value)}`);
}

/** The [min, max] window of a `blockchain` call, newest MAX_BLOCKCHAIN_METAS heights at most. */
export function blockchainRange(store: BlockStore, params: Params): { min: bigint; max: bigint } {
  let min = optionalInteger(params, "minHeight") ?? 0n;
  let max = optionalInteger(params, "maxHeight") ?? 0n;
  if (min < 0n || max < 0n) throw invalidParams("heights must be non-negative");
  const latest = store.height();
  if (min === 0n) min = 1n;
  if (max === 0n || max > latest) max = latest;
  const base = store.base();
  if (min < base) min = base;
  if (min < max - MAX_BLOCKCHAIN_METAS + 1n) min = max - MAX_BLOCKCHAIN_METAS + 1n;
  if (min > max) throw internalError(`min height ${min} can't be greater than max height ${max}`);
  return { min, max };
}
