// Stateless checks every module's validateBasic shares: each throws the SDK's root error for the case,
// as Cosmos SDK modules do (their own codespace is for their own failures).
import { sdkError } from "../chain/app/errors.ts";
import { isValidAddress } from "../chain/crypto/bech32.ts";

/** A bech32 account address with our prefix; else the SDK's invalid-address error (code 7) naming
 * `field`. */
export function checkAddress(address: string | null | undefined, field: string): string {
  if (typeof address !== "string" || !isValidAddress(address))
    throw sdkError("invalidAddress", `invalid ${field} address ${JSON.stringify(address ?? "")}`);
  return address;
}
