// Failure cases of the escrow module, codespace "escrow" (code 1 is reserved, as in SDK modules).
// Address and coin format errors use the SDK's root codes 7 and 10. README.md lists every case.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const ESCROW_CODESPACE = "escrow";

export const EscrowCode = {
  invalidDeviceId: { code: 2, description: "invalid device id" },
  deviceNotFound: { code: 3, description: "device not found" },
  deviceNotAvailable: { code: 4, description: "device is not shared and active" },
  invalidTerms: { code: 5, description: "invalid escrow terms" },
  invalidAmount: { code: 6, description: "invalid amount" },
  escrowNotFound: { code: 7, description: "escrow not found" },
  notConsumer: { code: 8, description: "not the escrow consumer" },
  notReleaser: { code: 9, description: "not the consumer or release authority" },
  escrowNotOpen: { code: 10, description: "escrow is not open" },
  escrowExpired: { code: 11, description: "escrow has expired" },
  insufficientEscrow: { code: 12, description: "amount exceeds the remaining deposit" },
  denomMismatch: { code: 13, description: "denom differs from the escrow's" },
  notRefundable: { code: 14, description: "escrow is neither expired nor closed" },
  nothingToWithdraw: { code: 15, description: "no earnings to withdraw" },
  invalidAuthority: { code: 16, description: "invalid authority" },
  invalidParams: { code: 17, description: "invalid params" },
  tooManyEscrows: { code: 18, description: "too many per-reading escrows for this device" },
  alreadyRefunded: { code: 19, description: "escrow was already refunded" },
  invalidCommand: { code: 20, description: "invalid command terms" },
} as const;
export type EscrowCodeName = keyof typeof EscrowCode;

export function escrowError(name: EscrowCodeName, detail?: string): AbciError {
  const { code, description } = EscrowCode[name];
  return moduleError(ESCROW_CODESPACE, code, description, detail);
}
