// `sensorchain tx meter submit|attest` (validator operators) and
// `sensorchain query meter commitment|by-device|conflicts|status`: the meter module through cosmjs
// with the project's client registry. Days are YYYY-MM-DD (UTC) or days since 1970-01-01.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  MSG_ATTEST_COMMITMENT,
  MSG_SUBMIT_COMMITMENT,
  meter as pb,
  QUERY_COMMITMENT,
  QUERY_COMMITMENTS_BY_DEVICE,
  QUERY_CONFLICTS,
  QUERY_METER_STATUS,
} from "../../client/meter.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  checkDeviceId,
  MAX_UINT32,
  NODE_OPTION,
  pagedQuery,
  queryAction,
  type TxFlags,
  txOptions,
} from "./module-tx.ts";

/** YYYY-MM-DD (UTC) or a day number. The message field is a uint32: a wider number or a date
 * before 1970 would be sent wrapped (another day), so both are refused. */
export function parseDay(text: string): number {
  let day: number | undefined;
  if (/^[0-9]{1,10}$/.test(text)) day = Number(text);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match !== null) {
    const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    if (new Date(ms).toISOString().slice(0, 10) === text) day = ms / 86_400_000;
  }
  if (day === undefined)
    throw new CliError("invalid_argument", `day ${JSON.stringify(text)} is not YYYY-MM-DD or a day number`);
  if (day < 0 || day > Number(MAX_UINT32))
    throw new CliError(
      "invalid_argument",
      `day ${JSON.stringify(text)} is outside 1970-01-01 .. day ${MAX_UINT32}`,
    );
  return day;
}

function hexHash(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    throw new CliError("invalid_argument", "commitment hash must be 64 hex digits");
  return Uint8Array.from(Buffer.from(text, "hex"));
}

function registerMeterTx(tx: Command): void {
  const meter = tx.command("meter").description("meter module transactions (signed by validator operators)");
  txOptions(
    meter
      .command("submit")
      .description("submit a device-day commitment (CommitmentBody as proto3 JSON, root in base64)")
      .argument("<from>", "validator operator key")
      .argument("<body-file>", 'JSON: {"device_id","day","root","count","aggregates",…}'),
  ).action(async (from: string, file: string, flags: TxFlags, command: Command) => {
    let body: ReturnType<typeof pb.CommitmentBody.fromObject>;
    try {
      const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      const camel = Object.fromEntries(
        Object.entries(json).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
      );
      body = pb.CommitmentBody.fromObject(camel);
    } catch (error) {
      throw new CliError("invalid_argument", `${file}: ${(error as Error).message}`);
    }
    await broadcastMsgs(
      command,
      from,
      flags,
      `submit commitment of ${body.deviceId} day ${body.day}`,
      (operator) => [{ typeUrl: MSG_SUBMIT_COMMITMENT, value: { operator, body } }],
    );
  });
  txOptions(
    meter
      .command("attest")
      .description("back an existing candidate (by its commitment hash)")
      .argument("<from>", "validator operator key")
      .argument("<device-id>", "device id")
      .argument("<day>", "YYYY-MM-DD (UTC) or day number")
      .argument("<commitment-hash>", "64 hex digits, as EventCommitmentSubmitted.hash"),
  ).action(
    async (from: string, deviceId: string, day: string, hash: string, flags: TxFlags, command: Command) => {
      const value = { deviceId: checkDeviceId(deviceId), day: parseDay(day), commitmentHash: hexHash(hash) };
      await broadcastMsgs(command, from, flags, `attest ${deviceId} day ${day}`, (operator) => [
        { typeUrl: MSG_ATTEST_COMMITMENT, value: { operator, ...value } },
      ]);
    },
  );
}

function registerMeterQuery(query: Command): void {
  const meter = query.command("meter").description("meter module queries");
  for (const [name, path, type, what] of [
    ["commitment", QUERY_COMMITMENT, pb.QueryCommitmentResponse, "the final commitment of a device-day"],
    [
      "status",
      QUERY_METER_STATUS,
      pb.QueryStatusResponse,
      "candidates of a device-day with their backing power",
    ],
  ] as const)
    meter
      .command(name)
      .description(what)
      .argument("<device-id>", "device id")
      .argument("<day>", "YYYY-MM-DD (UTC) or day number")
      .option(...NODE_OPTION)
      .action((deviceId: string, day: string, flags: { node?: string }, command: Command) =>
        queryAction(path, type, () =>
          encodeCanonical(pb.QueryCommitmentRequest, {
            deviceId: checkDeviceId(deviceId),
            day: parseDay(day),
          }),
        )(flags, command),
      );
  pagedQuery(
    meter,
    {
      name: "by-device",
      description: "final commitments of a device, by day",
      argument: "<device-id>",
      what: "commitments",
    },
    QUERY_COMMITMENTS_BY_DEVICE,
    (deviceId, page) =>
      encodeCanonical(pb.QueryCommitmentsByDeviceRequest, {
        deviceId: checkDeviceId(deviceId),
        pagination: page,
      }),
    pb.QueryCommitmentsByDeviceResponse,
  );
  pagedQuery(
    meter,
    { name: "conflicts", description: "device-days with two or more candidate roots", what: "conflicts" },
    QUERY_CONFLICTS,
    (_, page) => encodeCanonical(pb.QueryConflictsRequest, { pagination: page }),
    pb.QueryConflictsResponse,
  );
}

/** Adds the meter verbs under the existing `tx` and `query` commands (call after registerTx/Query). */
export function registerMeter(program: Command): void {
  addModuleVerbs(program, "meter", { tx: registerMeterTx, query: registerMeterQuery });
}
