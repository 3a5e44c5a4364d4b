// Device login (README.md, Authentication). CONNECT carries clientId = username = device id and
// password = "<unix ms>.<base64 signature>", the signature by the registered device key over
//   "sensorchain-mqtt-auth/v1|<chain id>|<device id>|<unix ms>"   (UTF-8)
// The chain id stops a login made for one chain from opening another; the time bounds its reuse.
import { verifyDeviceSignature } from "./device-signature.ts";
import { AuthRefused } from "./errors.ts";
import type { DeviceRegistry } from "./registry.ts";

export const AUTH_DOMAIN = "sensorchain-mqtt-auth/v1";
/** How far a login timestamp may be from the bridge's clock, ms. Wide enough for devices synced by
 * NTP at boot; narrow enough that a captured password is soon useless. */
export const AUTH_MAX_SKEW_MS = 30_000;
/** A password is 13 digits, a dot and 88 base64 characters; anything much longer is not one. */
const MAX_PASSWORD_BYTES = 256;
const PASSWORD_PATTERN = /^(0|[1-9][0-9]{0,15})\.([A-Za-z0-9+/]{86}==)$/;

export function authMessage(chainId: string, deviceId: string, timestampMs: number): Uint8Array {
  return new TextEncoder().encode(`${AUTH_DOMAIN}|${chainId}|${deviceId}|${timestampMs}`);
}

/** The password a device sends, given a function that signs with its key. */
export function authPassword(
  chainId: string,
  deviceId: string,
  timestampMs: number,
  sign: (message: Uint8Array) => Uint8Array,
): string {
  const signature = sign(authMessage(chainId, deviceId, timestampMs));
  return `${timestampMs}.${Buffer.from(signature).toString("base64")}`;
}

/** Resolves when the login is valid; throws AuthRefused with the reason otherwise. */
export async function authenticateDevice(options: {
  registry: DeviceRegistry;
  chainId: string;
  clientId: string;
  username: string | undefined;
  password: Uint8Array | undefined;
  nowMs: number;
}): Promise<void> {
  const { clientId, username, password } = options;
  if (username !== clientId) throw new AuthRefused("malformed", "username must equal the client id");
  if (password === undefined || password.length > MAX_PASSWORD_BYTES)
    throw new AuthRefused("malformed", "password missing or too long");
  const match = PASSWORD_PATTERN.exec(Buffer.from(password).toString("latin1"));
  if (match === null) throw new AuthRefused("malformed", "password is not <unix ms>.<base64 signature>");
  const timestampMs = Number(match[1]);
  if (Math.abs(timestampMs - options.nowMs) > AUTH_MAX_SKEW_MS)
    throw new AuthRefused("stale", `login time is more than ${AUTH_MAX_SKEW_MS} ms from the bridge's`);
  const device = await options.registry.device(clientId);
  if (device === undefined) throw new AuthRefused("unknown_device", `device ${clientId} is not registered`);
  if (device.status !== "active") throw new AuthRefused("retired_device", `device ${clientId} is retired`);
  const signature = Buffer.from(match[2]!, "base64");
  if (
    !verifyDeviceSignature(device.publicKey, authMessage(options.chainId, clientId, timestampMs), signature)
  )
    throw new AuthRefused("bad_signature", "login signature does not verify with the registered key");
}
