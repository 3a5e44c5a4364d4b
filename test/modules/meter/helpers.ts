// Fixtures of the meter keeper tests: an escrow app (test/modules/escrow/helpers.ts) with a 4-validator
// genesis of powers 20/10/10/20 and a shared device, signed readings of a day, the submit and attest
// messages, and a block clock moved past a day's end.
import { ed25519 } from "@noble/curves/ed25519.js";
import type { ExecutionContext } from "ava";
import { meter as pb } from "../../../client/index.ts";
import { bodyToProto, type CommitmentBody, commitmentHash } from "../../../modules/meter/codec.ts";
import { type Reading, readingSignBytes } from "../../../modules/meter/reading.ts";
import type { SixAddresses } from "../../helpers/app.ts";
import { DAY_SECONDS, DEVICE, type EscrowTestApp, sharedDevice, startEscrowApp } from "../escrow/helpers.ts";

export const DEVICE_SEED = new Uint8Array(32).fill(9);

/** `count` signed readings of `day`, one per minute, energy in kWh as decimals. */
export function readings(day: bigint, count: number, firstSequence = 1n): Reading[] {
  return Array.from({ length: count }, (_, i) => {
    const reading: Reading = {
      deviceId: DEVICE,
      sequence: firstSequence + BigInt(i),
      timestampMs: day * 86_400_000n + BigInt(i) * 60_000n,
      values: [
        { name: "energy", unit: "kWh", value: `${i % 7}.${(i % 3) + 1}` },
        { name: "voltage", unit: "V", value: String(229 + (i % 3)) },
      ],
      ciphertext: new Uint8Array(0),
      signature: new Uint8Array(0),
    };
    return { ...reading, signature: ed25519.sign(readingSignBytes(reading), DEVICE_SEED) };
  });
}

export const submit = (operator: string, body: CommitmentBody) => ({
  typeUrl: "/sensorchain.meter.v1.MsgSubmitCommitment",
  value: { operator, body: bodyToProto(body) },
});
export const attest = (operator: string, body: CommitmentBody, hash = commitmentHash(body)) => ({
  typeUrl: "/sensorchain.meter.v1.MsgAttestCommitment",
  value: { operator, deviceId: body.deviceId, day: Number(body.day), commitmentHash: hash },
});

/** A meter app (4 validators of powers 20/10/10/20 operated by wallets 0-3), a shared device
 * owned by wallet 4, wallet 5 consuming. */
export async function meterRoles(t: ExecutionContext) {
  const a = await startEscrowApp(t, { powers: [20n, 10n, 10n, 20n] });
  const [o0, o1, o2, o3, owner, consumer] = a.operators as SixAddresses;
  await sharedDevice(a, owner);
  return { a, o0, o1, o2, o3, owner, consumer };
}

/** The current UTC day of the next block, and move the clock past its end (+ a minute). */
export function finishToday(a: EscrowTestApp): bigint {
  const day = a.nextTime() / DAY_SECONDS;
  a.clockOffset += (day + 1n) * DAY_SECONDS - a.nextTime() + 60n;
  return day;
}

export const status = (a: EscrowTestApp, day: bigint) =>
  a.ask(
    "/sensorchain.meter.v1.Query/Status",
    pb.QueryStatusRequest,
    { deviceId: DEVICE, day: Number(day) },
    pb.QueryStatusResponse,
  );
