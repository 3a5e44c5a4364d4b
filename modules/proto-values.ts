// Conversions between the values of the generated protobufjs messages (Long or number for 64-bit
// integers, null for unset fields) and ours, shared by the modules' codecs and queries.
import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { toLong } from "../proto/canonical.ts";

/** A 64-bit integer field as decoded (Long, number, or unset: 0). */
export function toBigInt(value: { toString(): string } | number | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return BigInt(value.toString());
}

/** The name of an enum value in a module's table of names (an unset field is 0); undefined for a value
 * the table lacks, which the caller refuses. */
export function nameOf<Name extends string>(
  table: Readonly<Record<Name, number>>,
  value: number | null | undefined,
): Name | undefined {
  const wanted = value ?? 0;
  for (const [name, number] of Object.entries(table) as [Name, number][]) if (number === wanted) return name;
  return undefined;
}

/** cosmos.base.query.v1beta1.PageRequest as each module's generated code decodes it. */
export interface DecodedPageRequest {
  key?: Uint8Array | null;
  offset?: { toString(): string } | number | null;
  limit?: { toString(): string } | number | null;
  countTotal?: boolean | null;
  reverse?: boolean | null;
}

/** A query's page request (unset fields: the SDK's defaults) for paginate. */
export function pageRequest(page: DecodedPageRequest | null | undefined): PageRequest {
  return {
    key: page?.key ?? new Uint8Array(0),
    offset: toBigInt(page?.offset),
    limit: toBigInt(page?.limit),
    countTotal: page?.countTotal ?? false,
    reverse: page?.reverse ?? false,
  };
}

/** paginate's answer as a query response's pagination field. */
export function pageResponse(page: PageResponse) {
  return { nextKey: page.nextKey, total: toLong(page.total) };
}
