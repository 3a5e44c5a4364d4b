// Failure cases of the meter module, codespace "meter" (code 1 is reserved, as in SDK modules).
// Address errors use the SDK's root code 7. README.md lists every case.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const METER_CODESPACE = "meter";

export const MeterCode = {
  invalidDeviceId: { code: 2, description: "invalid device id" },
  deviceNotFound: { code: 3, description: "device not found" },
  invalidCommitment: { code: 4, description: "invalid commitment" },
  notOperator: { code: 5, description: "not a validator operator" },
  dayNotOver: { code: 6, description: "day is not over yet" },
  alreadyFinal: { code: 7, description: "commitment is already final" },
  alreadyVoted: { code: 8, description: "operator already backs a candidate for this day" },
  candidateExists: { code: 9, description: "candidate already submitted; attest it" },
  candidateNotFound: { code: 10, description: "no candidate with this hash" },
  commitmentNotFound: { code: 11, description: "commitment not found" },
} as const;
export type MeterCodeName = keyof typeof MeterCode;

export function meterError(name: MeterCodeName, detail?: string): AbciError {
  const { code, description } = MeterCode[name];
  return moduleError(METER_CODESPACE, code, description, detail);
}
