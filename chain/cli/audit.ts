// `sensorchain audit day DEVICE DATE --readings FILE|URL`: recomputes a device-day's root from raw
// readings (chain/audit/readings-input.ts lists the accepted forms) and compares it with the final
// meter commitment, naming missing, extra and mismatching readings (chain/audit/day.ts).
//
// The commitment and the device's key are light-verified (ICS-23 proofs against a light-verified app
// hash) when a root of trust is configured (`light init`, or the --trusted-* flags); otherwise they
// are the node's plain word. The report's `commitment_source` says which. Exit code 0 on a match,
// MISMATCH_EXIT_CODE on a difference, 1 when the audit could not run (no final commitment, bad input).
import type { Command } from "commander";
import { verifyDeviceSignature } from "../../bridge-mqtt/device-signature.ts";
import {
  decodeCommitmentValue,
  type VerifiedCommitment,
  verifiedCommitment,
  verifiedDevice,
} from "../../light-client/module-queries.ts";
import { type Device, decodeDevice } from "../../modules/device/codec.ts";
import { deviceKey } from "../../modules/device/keys.ts";
import { commitmentKey } from "../../modules/meter/keys.ts";
import { readingSignBytes } from "../../modules/meter/reading.ts";
import { auditDay, bodyFieldMismatches, mismatchingReadings } from "../audit/day.ts";
import { loadReadingsInput, ReadingsInputError } from "../audit/readings-input.ts";
import { toHex } from "../types/bytes.ts";
import { timestampFromDate } from "../types/time.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { addTrustFlags, configuredTrust, openClient, refusing, type TrustFlags } from "./light.ts";
import { parseDay } from "./meter.ts";
import { checkDeviceId, NODE_OPTION } from "./module-tx.ts";
import { printOutput } from "./output.ts";
import { resolveNode, rpcCall } from "./rpc-client.ts";

interface AuditFlags extends TrustFlags {
  readings: string;
  node?: string;
  header?: string[];
}

interface Committed {
  body: VerifiedCommitment;
  device: Device | undefined;
  /** State height both were read at. */
  height: bigint;
  source: "light-verified" | "node (unverified)";
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("auditor tools: check committed data against raw data");
  addTrustFlags(
    audit
      .command("day")
      .description(
        "recompute a device-day's root from raw readings and compare it with the final commitment (light-verified when a root of trust is configured)",
      )
      .argument("<device-id>", "device id (SSSS_NNNN)")
      .argument("<date>", "YYYY-MM-DD (UTC) or day number")
      .requiredOption(
        "--readings <file|url>",
        "JSON lines of readings, or a bridge history answer (file or http(s) URL)",
      )
      .option("--header <name:value...>", "HTTP headers for a --readings URL (e.g. a bridge login token)")
      .option(...NODE_OPTION),
  ).action(async (deviceId: string, date: string, flags: AuditFlags, command: Command) => {
    const context = commandContext(command);
    checkDeviceId(deviceId);
    const day = BigInt(parseDay(date));
    const headers = parseHeaders(flags.header ?? []);
    let given: Awaited<ReturnType<typeof loadReadingsInput>>;
    try {
      given = await loadReadingsInput(flags.readings, { headers });
    } catch (error) {
      if (error instanceof ReadingsInputError) throw new CliError(error.code, `--readings: ${error.message}`);
      throw error;
    }
    const committed = await loadCommitted(command, flags, deviceId, day);
    const readings = given.map((entry) => entry.reading);
    const result = auditDay(deviceId, day, readings, committed.body);
    const key = committed.device?.publicKey;
    const mismatching = mismatchingReadings(
      deviceId,
      day,
      given,
      committed.body,
      key === undefined
        ? undefined
        : (reading) => verifyDeviceSignature(key, readingSignBytes(reading), reading.signature),
    );
    const bodyFields =
      result.computedRoot === result.expectedRoot
        ? bodyFieldMismatches(deviceId, day, readings, committed.body)
        : [];
    const match = result.match && mismatching.length === 0 && bodyFields.length === 0;
    printOutput(
      {
        match,
        device_id: deviceId,
        day: String(day),
        date: new Date(Number(day) * 86_400_000).toISOString().slice(0, 10),
        commitment_source: committed.source,
        state_height: committed.height,
        final_height: committed.body.finalHeight,
        commitment_hash: toHex(committed.body.hash).toUpperCase(),
        expected_root: result.expectedRoot.toUpperCase(),
        computed_root: result.computedRoot.toUpperCase(),
        expected_count: result.expectedCount,
        readings: result.readings,
        missing: result.missing,
        extra: result.extra,
        mismatching,
        body_fields_differing: bodyFields,
        signatures_checked: key !== undefined,
        ...(committed.device !== undefined && committed.device.keyRotationHeight > 0n
          ? { note: "the device key was rotated: signatures are checked against the current key" }
          : {}),
      },
      context.output,
    );
    // replay.ts owns the code; importing it costs the whole application (chain/replay.ts), which
    // an audit otherwise never loads.
    if (!match) process.exitCode = (await import("./replay.ts")).MISMATCH_EXIT_CODE;
  });
}

function parseHeaders(list: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(":");
    if (colon < 1)
      throw new CliError("invalid_flag", `--header must be name:value, got ${JSON.stringify(item)}`);
    headers[item.slice(0, colon).trim()] = item.slice(colon + 1).trim();
  }
  return headers;
}

async function loadCommitted(
  command: Command,
  flags: AuditFlags,
  deviceId: string,
  day: bigint,
): Promise<Committed> {
  const trust = await configuredTrust(command, flags);
  if (trust !== undefined) {
    const client = await refusing(() => openClient(command, trust));
    const now = timestampFromDate(new Date());
    const commitment = await refusing(() => verifiedCommitment(client, deviceId, day, now));
    if (commitment.value === undefined)
      throw notFinal(deviceId, day, `proven absent at height ${commitment.height}`);
    const device = await refusing(() => verifiedDevice(client, deviceId, now, { height: commitment.height }));
    return {
      body: commitment.value,
      device: device.value,
      height: commitment.height,
      source: "light-verified",
    };
  }
  const url = resolveNode(flags.node, commandContext(command));
  const commitment = await storeGet(url, "meter", commitmentKey(deviceId, day), 0n);
  if (commitment.value === undefined) throw notFinal(deviceId, day, `absent at height ${commitment.height}`);
  const device = await storeGet(url, "device", deviceKey(deviceId), commitment.height);
  return {
    body: decodeCommitmentValue(commitment.value),
    device: device.value === undefined ? undefined : decodeDevice(device.value),
    height: commitment.height,
    source: "node (unverified)",
  };
}

const notFinal = (deviceId: string, day: bigint, detail: string) =>
  new CliError("commitment_not_found", `${deviceId} day ${day} has no final commitment (${detail})`);

/** A raw store value through abci_query without a proof: the node's word. */
async function storeGet(url: string, store: string, key: Uint8Array, height: bigint) {
  const result = (await rpcCall(url, "abci_query", {
    path: `/store/${store}/key`,
    data: Buffer.from(key).toString("hex"),
    ...(height === 0n ? {} : { height: height.toString() }),
  })) as { response: { code?: number | string; log?: string; value?: string | null; height?: string } };
  const code = Number(result.response.code ?? 0);
  if (code !== 0)
    throw new CliError("query_failed", `${store} query failed: ${result.response.log ?? ""} (code ${code})`);
  const bytes = Buffer.from(result.response.value ?? "", "base64");
  return {
    value: bytes.length === 0 ? undefined : Uint8Array.from(bytes),
    height: BigInt(result.response.height ?? "0"),
  };
}
