// Raw keys of store "identity" for `/store/identity/key` queries with proofs (README.md, State).
import { cidIndexKey, ownerIndexKey, tokenKey } from "../modules/identity/keys.ts";
import { checkCid } from "../modules/identity/validation.ts";

export const identityStoreKeys = {
  storeName: "identity",
  token: (tokenId: bigint): Uint8Array => tokenKey(tokenId),
  owner: (owner: string): Uint8Array => ownerIndexKey(owner),
  cid: (cid: string): Uint8Array => cidIndexKey(checkCid(cid, "cid")),
} as const;
