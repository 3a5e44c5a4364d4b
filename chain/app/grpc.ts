// Helpers for gRPC-style query handlers.
import { sdkError } from "./errors.ts";

/** Decodes a protobuf request; malformed bytes are the SDK's InvalidArgument (code 18 here). */
export function decodeGrpcRequest<T>(type: { decode(bytes: Uint8Array): T }, data: Uint8Array): T {
  try {
    return type.decode(data);
  } catch (error) {
    throw sdkError("invalidRequest", `malformed query request: ${(error as Error).message}`);
  }
}
