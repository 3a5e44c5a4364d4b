// The escrow module's records as plain TypeScript values (bigint amounts and heights, string enums)
// and their canonical protobuf bytes (proto/sensorchain/escrow/v1/state.proto).
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/escrow.js";
import { nameOf, toBigInt } from "../proto-values.ts";

export const pb = sensorchain.escrow.v1;

export type EscrowModeName = "manual" | "per_reading";
export type EscrowStatusName = "open" | "closed" | "refunded";

/** A paid command: `payload` runs on the device for `durationSeconds` of block time from open. */
export interface CommandTerms {
  payload: Uint8Array;
  durationSeconds: bigint;
}

export interface Escrow {
  id: bigint;
  consumer: string;
  deviceId: string;
  releaseAuthority: string;
  mode: EscrowModeName;
  /** Price per reading (per_reading) or per period (manual, informative); amount in `denom`. */
  price: bigint;
  periodSeconds: bigint;
  /** Unix seconds of block time from which the escrow is expired. */
  expiryTime: bigint;
  denom: string;
  deposited: bigint;
  released: bigint;
  remaining: bigint;
  status: EscrowStatusName;
  openHeight: bigint;
  openTime: bigint;
  endHeight: bigint;
  /** Absent for escrows without a paid command. */
  command?: CommandTerms;
}

/** Unix seconds (block time) at which an escrow's paid command window ends. */
export const commandUntil = (openTime: bigint, command: CommandTerms): bigint =>
  openTime + command.durationSeconds;

export interface EscrowParams {
  ownerBps: bigint;
  gatewayBps: bigint;
  platformBps: bigint;
}

export const DEFAULT_PARAMS: EscrowParams = { ownerBps: 8000n, gatewayBps: 1000n, platformBps: 1000n };

export const MODES: Readonly<Record<EscrowModeName, number>> = {
  manual: pb.EscrowMode.ESCROW_MODE_MANUAL,
  per_reading: pb.EscrowMode.ESCROW_MODE_PER_READING,
};
const STATUSES: Readonly<Record<EscrowStatusName, number>> = {
  open: pb.EscrowStatus.ESCROW_STATUS_OPEN,
  closed: pb.EscrowStatus.ESCROW_STATUS_CLOSED,
  refunded: pb.EscrowStatus.ESCROW_STATUS_REFUNDED,
};

export const modeName = (value: number | null | undefined): EscrowModeName | undefined =>
  nameOf(MODES, value);

export function escrowToProto(escrow: Escrow): sensorchain.escrow.v1.IEscrow {
  return {
    id: toLong(escrow.id),
    consumer: escrow.consumer,
    deviceId: escrow.deviceId,
    releaseAuthority: escrow.releaseAuthority,
    mode: MODES[escrow.mode],
    price: { denom: escrow.denom, amount: escrow.price.toString() },
    periodSeconds: toLong(escrow.periodSeconds),
    expiryTime: toLong(escrow.expiryTime),
    denom: escrow.denom,
    deposited: escrow.deposited.toString(),
    released: escrow.released.toString(),
    remaining: escrow.remaining.toString(),
    status: STATUSES[escrow.status],
    openHeight: toLong(escrow.openHeight),
    openTime: toLong(escrow.openTime),
    endHeight: toLong(escrow.endHeight),
    ...(escrow.command === undefined
      ? {}
      : {
          command: {
            payload: escrow.command.payload,
            durationSeconds: toLong(escrow.command.durationSeconds),
          },
        }),
  };
}

/** A stored or genesis escrow as an Escrow; throws on an unknown enum or a malformed amount. */
export function escrowFromProto(message: sensorchain.escrow.v1.IEscrow): Escrow {
  const mode = modeName(message.mode);
  const status = nameOf(STATUSES, message.status);
  if (mode === undefined || status === undefined)
    throw new Error(`escrow ${String(message.id)}: unknown mode or status`);
  const amount = (text: string | null | undefined, field: string): bigint => {
    if (!/^(0|[1-9][0-9]*)$/.test(text || "0"))
      throw new Error(`escrow ${String(message.id)}: ${field} ${JSON.stringify(text)} is not an integer`);
    return BigInt(text || "0");
  };
  return {
    id: toBigInt(message.id),
    consumer: message.consumer ?? "",
    deviceId: message.deviceId ?? "",
    releaseAuthority: message.releaseAuthority ?? "",
    mode,
    price: amount(message.price?.amount, "price"),
    periodSeconds: toBigInt(message.periodSeconds),
    expiryTime: toBigInt(message.expiryTime),
    denom: message.denom ?? "",
    deposited: amount(message.deposited, "deposited"),
    released: amount(message.released, "released"),
    remaining: amount(message.remaining, "remaining"),
    status,
    openHeight: toBigInt(message.openHeight),
    openTime: toBigInt(message.openTime),
    endHeight: toBigInt(message.endHeight),
    ...(message.command === null || message.command === undefined
      ? {}
      : {
          command: {
            payload: message.command.payload ?? new Uint8Array(0),
            durationSeconds: toBigInt(message.command.durationSeconds),
          },
        }),
  };
}

export function encodeEscrow(escrow: Escrow): Uint8Array {
  return encodeCanonical(pb.Escrow, escrowToProto(escrow));
}

export function decodeEscrow(bytes: Uint8Array): Escrow {
  return escrowFromProto(pb.Escrow.decode(bytes));
}

export function paramsToProto(params: EscrowParams): sensorchain.escrow.v1.IParams {
  return {
    ownerBps: Number(params.ownerBps),
    gatewayBps: Number(params.gatewayBps),
    platformBps: Number(params.platformBps),
  };
}

export function paramsFromProto(message: sensorchain.escrow.v1.IParams | null | undefined): EscrowParams {
  return {
    ownerBps: BigInt(message?.ownerBps ?? 0),
    gatewayBps: BigInt(message?.gatewayBps ?? 0),
    platformBps: BigInt(message?.platformBps ?? 0),
  };
}

export function encodeParams(params: EscrowParams): Uint8Array {
  return encodeCanonical(pb.Params, paramsToProto(params));
}

export function decodeParams(bytes: Uint8Array): EscrowParams {
  return paramsFromProto(pb.Params.decode(bytes));
}
