// Client side of the escrow module: type URLs, the protobuf classes and TypeScript shapes, and the
// registry entries.
import type { GeneratedType } from "@cosmjs/proto-signing";
import {
  MSG_CLOSE_ESCROW,
  MSG_OPEN_ESCROW,
  MSG_REFUND_ESCROW,
  MSG_RELEASE_ESCROW,
  MSG_SPEND_PLATFORM_POOL,
  MSG_TOP_UP_ESCROW,
  MSG_UPDATE_ESCROW_PARAMS,
  MSG_WITHDRAW_EARNINGS,
} from "../modules/escrow/type-urls.ts";
import { sensorchain } from "../proto/gen/escrow.js";
import { canonicalType } from "./canonical-type.ts";

export * from "../modules/escrow/type-urls.ts";

/** Generated classes of every escrow message, query and enum. */
export const escrow = sensorchain.escrow.v1;
export const { EscrowMode, EscrowStatus } = sensorchain.escrow.v1;

export type MsgOpenEscrow = sensorchain.escrow.v1.IMsgOpenEscrow;
export type MsgTopUpEscrow = sensorchain.escrow.v1.IMsgTopUpEscrow;
export type MsgReleaseEscrow = sensorchain.escrow.v1.IMsgReleaseEscrow;
export type MsgCloseEscrow = sensorchain.escrow.v1.IMsgCloseEscrow;
export type MsgRefundEscrow = sensorchain.escrow.v1.IMsgRefundEscrow;
export type MsgWithdrawEarnings = sensorchain.escrow.v1.IMsgWithdrawEarnings;
export type EscrowRecord = sensorchain.escrow.v1.IEscrow;
/** Optional on MsgOpenEscrow: the paid command {payload (≤ 256 bytes), duration_seconds}. */
export type CommandTerms = sensorchain.escrow.v1.ICommandTerms;

export const escrowTypes: [string, GeneratedType][] = [
  [MSG_OPEN_ESCROW, canonicalType(escrow.MsgOpenEscrow)],
  [MSG_TOP_UP_ESCROW, canonicalType(escrow.MsgTopUpEscrow)],
  [MSG_RELEASE_ESCROW, canonicalType(escrow.MsgReleaseEscrow)],
  [MSG_CLOSE_ESCROW, canonicalType(escrow.MsgCloseEscrow)],
  [MSG_REFUND_ESCROW, canonicalType(escrow.MsgRefundEscrow)],
  [MSG_WITHDRAW_EARNINGS, canonicalType(escrow.MsgWithdrawEarnings)],
  [MSG_UPDATE_ESCROW_PARAMS, canonicalType(escrow.MsgUpdateParams)],
  [MSG_SPEND_PLATFORM_POOL, canonicalType(escrow.MsgSpendPlatformPool)],
];
