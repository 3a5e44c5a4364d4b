// Where a login reads an identity token and its profile blob: a plain node (abci_query + GET
// /blobs/<cid>), or a light client that proves the token against a verified app hash (the blob
// needs no proof: its CID is checked against the proven token). Also the blob upload (PUT).
import type { Timestamp } from "../chain/types/block.ts";
import type { LightClient } from "../light-client/client.ts";
import { verifiedStoreGet } from "../light-client/queries.ts";
import { decodeToken, type IdentityToken, pb, tokenFromProto } from "../modules/identity/codec.ts";
import { decodeTokenId, ownerIndexKey, STORE_NAME, tokenKey } from "../modules/identity/keys.ts";
import { QUERY_IDENTITY_TOKEN_BY_OWNER } from "../modules/identity/type-urls.ts";
import type { IdentitySource } from "./identity-login.ts";
import { MAX_PROFILE_BLOB_BYTES } from "./identity-profile.ts";

/** HTTP path under the node's RPC address where profile blobs live (chain/blobs). */
export const BLOBS_PATH = "/blobs/";
/** Codespace + code of "identity token not found" (modules/identity/errors.ts). */
const TOKEN_NOT_FOUND = { codespace: "identity", code: 7 } as const;

export class BlobHttpError extends Error {
  readonly status: number;
  /** The node's error code ("cid_mismatch", "too_large", …), when it sent one. */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "BlobHttpError";
    this.status = status;
    this.code = code;
  }
}

function baseUrl(url: string): string {
  return url.replace(/^tcp:/, "http:").replace(/\/+$/, "");
}

async function errorOf(response: Response): Promise<BlobHttpError> {
  let code = `http_${response.status}`;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // not our JSON: keep the status
  }
  return new BlobHttpError(response.status, code, message);
}

/** Stores a blob on the node under its CID; resolves when the node has it (201 new, 200 known). */
export async function uploadProfileBlob(nodeUrl: string, cid: string, blob: Uint8Array): Promise<void> {
  const response = await fetch(`${baseUrl(nodeUrl)}${BLOBS_PATH}${cid}`, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: blob as Uint8Array<ArrayBuffer>,
  });
  if (!response.ok) throw await errorOf(response);
  await response.body?.cancel();
}

/** The blob stored under `cid`, or undefined on 404. */
export async function fetchProfileBlob(nodeUrl: string, cid: string): Promise<Uint8Array | undefined> {
  const response = await fetch(`${baseUrl(nodeUrl)}${BLOBS_PATH}${cid}`);
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw await errorOf(response);
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_PROFILE_BLOB_BYTES)
    throw new BlobHttpError(response.status, "too_large", `blob of ${declared} bytes is over the limit`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Token and blob from one node, unverified (the blob is still checked against the token's CID). */
export function rpcIdentitySource(nodeUrl: string): IdentitySource {
  const url = baseUrl(nodeUrl);
  return {
    async tokenByOwner(owner) {
      const data = Array.from(pb.QueryTokenByOwnerRequest.encode({ owner }).finish(), (b) =>
        b.toString(16).padStart(2, "0"),
      ).join("");
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "abci_query",
          params: { path: QUERY_IDENTITY_TOKEN_BY_OWNER, data },
        }),
      });
      const body = (await response.json()) as {
        result?: { response: { code?: number; codespace?: string; log?: string; value?: string | null } };
        error?: { message: string; data?: string };
      };
      if (body.result === undefined)
        throw new Error(`abci_query failed: ${body.error?.data ?? body.error?.message}`);
      const result = body.result.response;
      const code = Number(result.code ?? 0);
      if (code === TOKEN_NOT_FOUND.code && result.codespace === TOKEN_NOT_FOUND.codespace) return undefined;
      if (code !== 0)
        throw new Error(`token query failed: ${result.log} (code ${code}, ${result.codespace})`);
      const value = Uint8Array.from(atob(result.value ?? ""), (c) => c.charCodeAt(0));
      const token = pb.QueryTokenResponse.decode(value).token;
      return token === null || token === undefined ? undefined : tokenFromProto(token);
    },
    blob: (cid) => fetchProfileBlob(url, cid),
  };
}

/** The token proven with ICS-23 proofs (owner index, then the token, at one height) against app
 * hashes the light client verified; the blob from `blobNodeUrl`. */
export function verifiedIdentitySource(
  client: LightClient,
  blobNodeUrl: string,
  now: () => Timestamp,
): IdentitySource {
  return {
    async tokenByOwner(owner): Promise<IdentityToken | undefined> {
      const index = await verifiedStoreGet(client, STORE_NAME, ownerIndexKey(owner), now());
      if (index.value === undefined) return undefined;
      const stored = await verifiedStoreGet(client, STORE_NAME, tokenKey(decodeTokenId(index.value)), now(), {
        height: index.height,
      });
      if (stored.value === undefined)
        throw new Error(`proven owner index names a token that is proven absent`);
      return decodeToken(stored.value);
    },
    blob: (cid) => fetchProfileBlob(blobNodeUrl, cid),
  };
}
