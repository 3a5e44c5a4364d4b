// A paid command window as the bridge schedules it (README.md, Commands): parsed from the escrow
// module's EventCommandPaid or an ActiveCommands escrow record, checked at the edge (device id,
// payload size, window), and the JSON messages a device gets on its commands topic.
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import { MAX_COMMAND_PAYLOAD_BYTES } from "../../modules/escrow/keys.ts";
import { EVENT_COMMAND_PAID } from "../../modules/escrow/type-urls.ts";
import type { sensorchain } from "../../proto/gen/escrow.js";

export interface PaidCommand {
  escrowId: bigint;
  deviceId: string;
  consumer: string;
  payload: Uint8Array;
  /** The paid window [fromMs, untilMs) in block time, Unix ms. */
  fromMs: number;
  untilMs: number;
}

/** An event or record the bridge cannot schedule (a bug or a foreign chain): logged and counted. */
export class BadPaidCommand extends Error {
  readonly code = "bad_paid_command";
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UNSIGNED = /^(0|[1-9][0-9]{0,15})$/;

function check(command: PaidCommand): PaidCommand {
  if (command.escrowId <= 0n) throw new BadPaidCommand("escrow id 0");
  if (!DEVICE_ID_PATTERN.test(command.deviceId))
    throw new BadPaidCommand(`device id ${JSON.stringify(command.deviceId)} is not SSSS_NNNN`);
  if (command.payload.length === 0 || command.payload.length > MAX_COMMAND_PAYLOAD_BYTES)
    throw new BadPaidCommand(`payload of ${command.payload.length} bytes`);
  if (!Number.isSafeInteger(command.fromMs) || !Number.isSafeInteger(command.untilMs))
    throw new BadPaidCommand("window out of range");
  if (command.untilMs <= command.fromMs) throw new BadPaidCommand("window ends before it starts");
  return command;
}

function seconds(text: string | undefined, field: string): number {
  if (text === undefined || !UNSIGNED.test(text))
    throw new BadPaidCommand(`${field} ${JSON.stringify(text)}`);
  return Number(text) * 1000;
}

/** The paid commands among a committed tx's events (none when it has no EventCommandPaid). */
export function paidCommandsOf(
  events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
): PaidCommand[] {
  const commands: PaidCommand[] = [];
  for (const event of events) {
    if (event.type !== EVENT_COMMAND_PAID) continue;
    const attributes = new Map(event.attributes.map((a) => [a.key, a.value]));
    const escrowId = attributes.get("escrow_id") ?? "";
    const payload = attributes.get("payload") ?? "";
    if (!UNSIGNED.test(escrowId)) throw new BadPaidCommand(`escrow_id ${JSON.stringify(escrowId)}`);
    if (!BASE64.test(payload) || payload.length % 4 !== 0) throw new BadPaidCommand("payload is not base64");
    commands.push(
      check({
        escrowId: BigInt(escrowId),
        deviceId: attributes.get("device_id") ?? "",
        consumer: attributes.get("consumer") ?? "",
        payload: Uint8Array.from(Buffer.from(payload, "base64")),
        fromMs: seconds(attributes.get("from_time"), "from_time"),
        untilMs: seconds(attributes.get("until_time"), "until_time"),
      }),
    );
  }
  return commands;
}

/** The paid command of an escrow record (the ActiveCommands query), undefined without command terms. */
export function paidCommandOfEscrow(escrow: sensorchain.escrow.v1.IEscrow): PaidCommand | undefined {
  const command = escrow.command;
  if (command === null || command === undefined) return undefined;
  const openMs = Number(String(escrow.openTime ?? 0)) * 1000;
  return check({
    escrowId: BigInt(String(escrow.id ?? 0)),
    deviceId: escrow.deviceId ?? "",
    consumer: escrow.consumer ?? "",
    payload: Uint8Array.from(command.payload ?? []),
    fromMs: openMs,
    untilMs: openMs + Number(String(command.durationSeconds ?? 0)) * 1000,
  });
}

/** What the device gets when the window starts (retained, so a device connecting later gets it). */
export function onMessage(command: PaidCommand): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      escrow_id: command.escrowId.toString(),
      payload: Buffer.from(command.payload).toString("base64"),
      from_ms: command.fromMs,
      until_ms: command.untilMs,
      state: "on",
    }),
  );
}

/** What the device gets when the window is over. */
export function offMessage(command: PaidCommand): Uint8Array {
  return Buffer.from(
    JSON.stringify({ escrow_id: command.escrowId.toString(), until_ms: command.untilMs, state: "off" }),
  );
}
