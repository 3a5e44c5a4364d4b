// x/auth failure cases. Auth uses the SDK's root errors (codespace "sdk") as the SDK's x/auth does.
import { AbciError, SDK_CODESPACE, SdkCode, sdkError } from "../../chain/app/errors.ts";

/** Query for an address that has no account: exactly the SDK's gRPC NotFound, which cosmjs maps to null. */
export function accountNotFound(address: string): AbciError {
  return new AbciError(
    SdkCode.notFound.code,
    SDK_CODESPACE,
    `rpc error: code = NotFound desc = account ${address} not found: key not found`,
  );
}

export function moduleAccountNotFound(name: string): AbciError {
  return new AbciError(
    SdkCode.notFound.code,
    SDK_CODESPACE,
    `rpc error: code = NotFound desc = module account ${name} not found: key not found`,
  );
}

export function invalidAddress(address: string, reason: string): AbciError {
  return sdkError("invalidAddress", `invalid address ${JSON.stringify(address)}: ${reason}`);
}
