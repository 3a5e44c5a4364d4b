// Stateless checks of escrow messages and genesis records (validateBasic): addresses, device ids,
// coins, modes and params. Each throws the AbciError README.md names for the case.

import { type Coin, isValidDenom } from "../../chain/app/coins.ts";
import { DEVICE_ID_PATTERN } from "../device/keys.ts";
import { toBigInt } from "../proto-values.ts";
import { checkAddress } from "../validation.ts";
import {
  type CommandTerms,
  type EscrowModeName,
  type EscrowParams,
  modeName,
  paramsFromProto,
} from "./codec.ts";
import { escrowError } from "./errors.ts";
import {
  BPS_DENOMINATOR,
  MAX_AMOUNT,
  MAX_COMMAND_DURATION_SECONDS,
  MAX_COMMAND_PAYLOAD_BYTES,
} from "./keys.ts";

export { checkAddress };

export function checkDeviceId(id: string | null | undefined): string {
  if (typeof id !== "string" || !DEVICE_ID_PATTERN.test(id))
    throw escrowError("invalidDeviceId", `${JSON.stringify(id ?? "")} is not SSSS_NNNN`);
  return id;
}

/** A coin with a valid denom and an integer amount in [0, 2^256); `positive` also refuses 0. */
export function checkCoin(
  coin: { denom?: string | null | undefined; amount?: string | null | undefined } | null | undefined,
  field: string,
  positive: boolean,
): Coin {
  const denom = coin?.denom ?? "";
  const text = coin?.amount || "0";
  if (!isValidDenom(denom))
    throw escrowError("invalidAmount", `${field}: invalid denom ${JSON.stringify(denom)}`);
  if (!/^(0|[1-9][0-9]{0,77})$/.test(text))
    throw escrowError("invalidAmount", `${field}: ${JSON.stringify(text)} is not a non-negative integer`);
  const amount = BigInt(text);
  if (amount > MAX_AMOUNT) throw escrowError("invalidAmount", `${field}: ${text} is out of range`);
  if (positive && amount === 0n) throw escrowError("invalidAmount", `${field} must be positive`);
  return { denom, amount };
}

export function checkMode(mode: number | null | undefined): EscrowModeName {
  const name = modeName(mode);
  if (name === undefined) throw escrowError("invalidTerms", `mode ${mode ?? 0} is not MANUAL or PER_READING`);
  return name;
}

export function checkEscrowId(id: { toString(): string } | number | null | undefined): bigint {
  const value = toBigInt(id);
  if (value === 0n) throw escrowError("escrowNotFound", "escrow_id 0 (ids start at 1)");
  return value;
}

export function checkParams(message: Parameters<typeof paramsFromProto>[0]): EscrowParams {
  const params = paramsFromProto(message);
  if (params.ownerBps + params.gatewayBps + params.platformBps !== BPS_DENOMINATOR)
    throw escrowError(
      "invalidParams",
      `owner_bps + gateway_bps + platform_bps = ${params.ownerBps + params.gatewayBps + params.platformBps}, not 10000`,
    );
  return params;
}

/** Command terms as a message or genesis record carries them: 1..MAX_COMMAND_PAYLOAD_BYTES bytes of
 * payload, a duration of 1..MAX_COMMAND_DURATION_SECONDS seconds. */
export function checkCommandTerms(
  command:
    | {
        payload?: Uint8Array | null | undefined;
        durationSeconds?: { toString(): string } | number | null | undefined;
      }
    | null
    | undefined,
): CommandTerms | undefined {
  if (command === null || command === undefined) return undefined;
  const payload = command.payload ?? new Uint8Array(0);
  if (payload.length === 0) throw escrowError("invalidCommand", "command.payload is empty");
  if (payload.length > MAX_COMMAND_PAYLOAD_BYTES)
    throw escrowError(
      "invalidCommand",
      `command.payload is ${payload.length} bytes (max ${MAX_COMMAND_PAYLOAD_BYTES})`,
    );
  const durationSeconds = toBigInt(command.durationSeconds);
  if (durationSeconds <= 0n || durationSeconds > MAX_COMMAND_DURATION_SECONDS)
    throw escrowError(
      "invalidCommand",
      `command.duration_seconds ${durationSeconds} is not in 1..${MAX_COMMAND_DURATION_SECONDS}`,
    );
  return { payload: Uint8Array.from(payload), durationSeconds };
}
