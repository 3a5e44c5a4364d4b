// Failure cases of the poa module, codespace "poa" (code 1 is reserved, as in SDK modules). Address
// errors use the SDK's root code 7 (invalid address). README.md lists every case.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const POA_CODESPACE = "poa";

/** Every code of codespace "poa", with the SDK-style description the log ends with. */
export const PoaCode = {
  notOperator: { code: 2, description: "signer is not the operator of a current validator" },
  invalidPublicKey: { code: 3, description: "invalid consensus public key" },
  invalidPower: { code: 4, description: "invalid voting power" },
  invalidChange: { code: 5, description: "invalid validator change" },
  invalidMoniker: { code: 6, description: "invalid moniker" },
  invalidNodeId: { code: 7, description: "invalid node id" },
  invalidExpiry: { code: 8, description: "invalid expiry" },
  validatorExists: { code: 9, description: "validator already exists" },
  validatorNotFound: { code: 10, description: "validator not found" },
  operatorTaken: { code: 11, description: "operator already operates a validator" },
  tooManyValidators: { code: 12, description: "too many validators" },
  emptySet: { code: 13, description: "change would leave no validator" },
  tooManyProposals: { code: 14, description: "too many open proposals" },
  proposalNotFound: { code: 15, description: "proposal not found" },
  proposalClosed: { code: 16, description: "proposal is not open" },
  invalidVote: { code: 17, description: "invalid vote option" },
  invalidRequest: { code: 18, description: "invalid poa query" },
} as const;
export type PoaCodeName = keyof typeof PoaCode;

export function poaError(name: PoaCodeName, detail?: string): AbciError {
  const { code, description } = PoaCode[name];
  return moduleError(POA_CODESPACE, code, description, detail);
}
