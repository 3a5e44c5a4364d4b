// Failure cases of the identity module, codespace "identity" (code 1 is reserved, as in SDK
// modules). Address errors use the SDK's root code 7 (invalid address). README.md lists every case.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const IDENTITY_CODESPACE = "identity";

/** Every code of codespace "identity", with the SDK-style description the log ends with. */
export const IdentityCode = {
  invalidCid: { code: 2, description: "invalid profile cid" },
  invalidSector: { code: 3, description: "invalid sector code" },
  unknownSector: { code: 4, description: "unknown sector" },
  tokenExists: { code: 5, description: "address already holds an identity token" },
  cidInUse: { code: 6, description: "profile cid already used by another token" },
  tokenNotFound: { code: 7, description: "identity token not found" },
  tokenRevoked: { code: 8, description: "identity token is revoked" },
  sameCid: { code: 9, description: "new profile cid is the current one" },
  notOperator: { code: 10, description: "not a consortium operator" },
  alreadyVoted: { code: 11, description: "operator already voted" },
  soulbound: { code: 12, description: "identity token is soulbound" },
  alreadyVerified: { code: 13, description: "identity token is already verified" },
  invalidReason: { code: 14, description: "invalid revocation reason" },
  invalidTokenId: { code: 15, description: "invalid token id" },
  invalidParams: { code: 16, description: "invalid params" },
} as const;
export type IdentityCodeName = keyof typeof IdentityCode;

export function identityError(name: IdentityCodeName, detail?: string): AbciError {
  const { code, description } = IdentityCode[name];
  return moduleError(IDENTITY_CODESPACE, code, description, detail);
}
