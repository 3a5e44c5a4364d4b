// Client side of the meter module: type URLs, the protobuf classes (Reading included: what a device
// signs and the bridge commits), the registry entries, and the reading inclusion check.
import type { GeneratedType } from "@cosmjs/proto-signing";
import { MSG_ATTEST_COMMITMENT, MSG_SUBMIT_COMMITMENT } from "../modules/meter/type-urls.ts";
import { sensorchain } from "../proto/gen/meter.js";
import { canonicalType } from "./canonical-type.ts";

export * from "../light-client/reading-inclusion.ts";
export * from "../modules/meter/type-urls.ts";

export const meter = sensorchain.meter.v1;

export type MsgSubmitCommitment = sensorchain.meter.v1.IMsgSubmitCommitment;
export type MsgAttestCommitment = sensorchain.meter.v1.IMsgAttestCommitment;
export type CommitmentRecord = sensorchain.meter.v1.ICommitment;
export type ReadingMessage = sensorchain.meter.v1.IReading;

export const meterTypes: [string, GeneratedType][] = [
  [MSG_SUBMIT_COMMITMENT, canonicalType(meter.MsgSubmitCommitment)],
  [MSG_ATTEST_COMMITMENT, canonicalType(meter.MsgAttestCommitment)],
];
