// Failure cases of the device module, codespace "device" (code 1 is reserved, as in SDK modules).
// Address errors use the SDK's root code 7 (invalid address). README.md lists every case.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const DEVICE_CODESPACE = "device";

/** Every code of codespace "device", with the SDK-style description the log ends with. */
export const DeviceCode = {
  invalidDeviceId: { code: 2, description: "invalid device id" },
  unknownSector: { code: 3, description: "unknown sector" },
  invalidPublicKey: { code: 4, description: "invalid device public key" },
  invalidMetadata: { code: 5, description: "invalid device metadata" },
  deviceExists: { code: 6, description: "device already exists" },
  deviceNotFound: { code: 7, description: "device not found" },
  notOwner: { code: 8, description: "not the device owner" },
  deviceRetired: { code: 9, description: "device is retired" },
  deviceNotShared: { code: 10, description: "device is not shared" },
  invalidShareTerms: { code: 11, description: "invalid share terms" },
  sameOwner: { code: 12, description: "new owner is the current owner" },
  sameKey: { code: 13, description: "new key is the current key" },
  invalidAuthority: { code: 14, description: "invalid authority" },
  invalidParams: { code: 15, description: "invalid params" },
} as const;
export type DeviceCodeName = keyof typeof DeviceCode;

export function deviceError(name: DeviceCodeName, detail?: string): AbciError {
  const { code, description } = DeviceCode[name];
  return moduleError(DEVICE_CODESPACE, code, description, detail);
}
