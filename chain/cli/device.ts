// `sensorchain tx device register|update|share|unshare|rotate-key|transfer|retire` and
// `sensorchain query device show|by-owner|shared|counts`: the device module through cosmjs with the
// project's client registry, fees and confirmation as `tx bank send` does them.
import type { Command } from "commander";
import {
  KeyType,
  MSG_REGISTER_DEVICE,
  MSG_RETIRE_DEVICE,
  MSG_ROTATE_DEVICE_KEY,
  MSG_SHARE_DEVICE,
  MSG_TRANSFER_DEVICE_OWNERSHIP,
  MSG_UNSHARE_DEVICE,
  MSG_UPDATE_DEVICE_METADATA,
  PricingUnit,
  device as pb,
  QUERY_DEVICE,
  QUERY_DEVICE_COUNTS,
  QUERY_DEVICES_BY_OWNER,
  QUERY_SHARED_DEVICES,
} from "../../client/device.ts";
import { SECTOR_CODE_PATTERN } from "../../modules/device/keys.ts";
import { parseCoins } from "../types/coin.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  checkDeviceId,
  NODE_OPTION,
  type PageFlags,
  pagedQuery,
  pageOptions,
  pagination,
  printQuery,
  type TxFlags,
  txOptions,
} from "./module-tx.ts";
import { checkAddress } from "./query.ts";

interface MetadataFlags {
  model?: string;
  unit?: string;
  location?: string;
}

interface KeyFlags {
  keyType: string;
  pubkey: string;
}

function checkSector(sector: string | undefined): string {
  if (sector === undefined) return "";
  if (!SECTOR_CODE_PATTERN.test(sector))
    throw new CliError(
      "invalid_sector",
      `--sector must be a 4-character code such as D035, got ${JSON.stringify(sector)}`,
    );
  return sector;
}

/** Public key from --key-type and --pubkey (hex, or base64); the node checks it is on the curve. */
function publicKey(flags: KeyFlags): { type: number; key: Uint8Array } {
  const types: Record<string, number> = {
    ed25519: KeyType.KEY_TYPE_ED25519,
    secp256k1: KeyType.KEY_TYPE_SECP256K1,
    p256: KeyType.KEY_TYPE_P256,
  };
  const type = types[flags.keyType];
  if (type === undefined)
    throw new CliError(
      "invalid_flag",
      `--key-type must be ed25519, secp256k1 or p256, got ${JSON.stringify(flags.keyType)}`,
    );
  const text = flags.pubkey.trim();
  const key = /^([0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length === 0) throw new CliError("invalid_flag", "--pubkey must be hex or base64 key bytes");
  return { type, key: Uint8Array.from(key) };
}

function metadata(flags: MetadataFlags): { model: string; unit: string; locationHint: string } {
  return { model: flags.model ?? "", unit: flags.unit ?? "", locationHint: flags.location ?? "" };
}

function registerDeviceTx(tx: Command): void {
  const device = tx.command("device").description("device module transactions (the signer is the owner)");
  txOptions(
    device
      .command("register")
      .description("register a device owned by the signing key")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<device-id>", "SSSS_NNNN, e.g. D035_0001 (sector code from the device params)")
      .requiredOption("--key-type <type>", "device key type: ed25519, secp256k1 or p256")
      .requiredOption(
        "--pubkey <key>",
        "device public key, hex or base64 (32 B ed25519, 33 B compressed otherwise)",
      )
      .option("--model <text>", "device model")
      .option("--unit <text>", 'unit of its readings, e.g. "kWh"')
      .option("--location <text>", 'coarse location hint, e.g. "Berlin, DE" (public)'),
  ).action(async (from: string, id: string, flags: TxFlags & KeyFlags & MetadataFlags, command: Command) => {
    checkDeviceId(id);
    const key = publicKey(flags);
    await broadcastMsgs(command, from, flags, `register device ${id}`, (owner) => [
      {
        typeUrl: MSG_REGISTER_DEVICE,
        value: { owner, deviceId: id, publicKey: key, metadata: metadata(flags) },
      },
    ]);
  });
  txOptions(
    device
      .command("update")
      .description("replace a device's metadata (fields not given become empty)")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<device-id>", "device id")
      .option("--model <text>", "device model")
      .option("--unit <text>", "unit of its readings")
      .option("--location <text>", "coarse location hint (public)"),
  ).action(async (from: string, id: string, flags: TxFlags & MetadataFlags, command: Command) => {
    checkDeviceId(id);
    await broadcastMsgs(command, from, flags, `update metadata of device ${id}`, (owner) => [
      { typeUrl: MSG_UPDATE_DEVICE_METADATA, value: { owner, deviceId: id, metadata: metadata(flags) } },
    ]);
  });
  txOptions(
    device
      .command("share")
      .description("put a device on the shared list with a price, or change the price of a shared device")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<device-id>", "device id")
      .argument("<price>", 'price per unit, one coin, e.g. "100usensor" (0 = free)')
      .option("--per <unit>", "day or reading", "day"),
  ).action(
    async (
      from: string,
      id: string,
      priceText: string,
      flags: TxFlags & { per: string },
      command: Command,
    ) => {
      checkDeviceId(id);
      const units: Record<string, number> = {
        day: PricingUnit.PRICING_UNIT_PER_DAY,
        reading: PricingUnit.PRICING_UNIT_PER_READING,
      };
      const unit = units[flags.per];
      if (unit === undefined)
        throw new CliError("invalid_flag", `--per must be day or reading, got ${JSON.stringify(flags.per)}`);
      const match = /^([0-9]+)([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(priceText.trim());
      if (match === null)
        throw new CliError(
          "invalid_price",
          `price must be one coin such as 100usensor, got ${JSON.stringify(priceText)}`,
        );
      if (match[1] !== "0") parseCoins(priceText, "price");
      const price = { denom: match[2]!, amount: BigInt(match[1]!).toString() };
      await broadcastMsgs(
        command,
        from,
        flags,
        `share device ${id} at ${priceText} per ${flags.per}`,
        (owner) => [{ typeUrl: MSG_SHARE_DEVICE, value: { owner, deviceId: id, terms: { unit, price } } }],
      );
    },
  );
  const simple = (name: string, description: string, typeUrl: string) =>
    txOptions(
      device
        .command(name)
        .description(description)
        .argument("<from>", "key name (or its address) in the keyring")
        .argument("<device-id>", "device id"),
    ).action(async (from: string, id: string, flags: TxFlags, command: Command) => {
      checkDeviceId(id);
      await broadcastMsgs(command, from, flags, `${name} device ${id}`, (owner) => [
        { typeUrl, value: { owner, deviceId: id } },
      ]);
    });
  simple("unshare", "take a device off the shared list", MSG_UNSHARE_DEVICE);
  simple("retire", "retire a device for good (it is unshared and can never change again)", MSG_RETIRE_DEVICE);
  txOptions(
    device
      .command("rotate-key")
      .description("replace a device's public key")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<device-id>", "device id")
      .requiredOption("--key-type <type>", "new key type: ed25519, secp256k1 or p256")
      .requiredOption("--pubkey <key>", "new public key, hex or base64"),
  ).action(async (from: string, id: string, flags: TxFlags & KeyFlags, command: Command) => {
    checkDeviceId(id);
    const key = publicKey(flags);
    await broadcastMsgs(command, from, flags, `rotate the key of device ${id}`, (owner) => [
      { typeUrl: MSG_ROTATE_DEVICE_KEY, value: { owner, deviceId: id, newPublicKey: key } },
    ]);
  });
  txOptions(
    device
      .command("transfer")
      .description("give a device to another owner")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<device-id>", "device id")
      .argument("<new-owner>", "sensor1… address of the new owner"),
  ).action(async (from: string, id: string, newOwner: string, flags: TxFlags, command: Command) => {
    checkDeviceId(id);
    checkAddress(newOwner, "new owner");
    await broadcastMsgs(command, from, flags, `transfer device ${id} to ${newOwner}`, (owner) => [
      { typeUrl: MSG_TRANSFER_DEVICE_OWNERSHIP, value: { owner, deviceId: id, newOwner } },
    ]);
  });
}

function registerDeviceQuery(query: Command): void {
  const device = query.command("device").description("device module queries");
  device
    .command("show")
    .description("one device by id")
    .argument("<device-id>", "device id")
    .option(...NODE_OPTION)
    .action(async (id: string, flags: { node?: string }, command: Command) => {
      checkDeviceId(id);
      const request = pb.QueryDeviceRequest.encode({ deviceId: id }).finish();
      await printQuery(command, flags.node, QUERY_DEVICE, request, pb.QueryDeviceResponse);
    });
  pagedQuery(
    device,
    {
      name: "by-owner",
      description: "devices of an owner, in id order",
      argument: "<owner>",
      what: "devices",
    },
    QUERY_DEVICES_BY_OWNER,
    (owner, page) =>
      pb.QueryDevicesByOwnerRequest.encode({
        owner: checkAddress(owner, "owner"),
        pagination: page,
      }).finish(),
    pb.QueryDevicesByOwnerResponse,
  );
  pageOptions(
    device
      .command("shared")
      .description("the shared devices, in id order, optionally of one sector")
      .option("--sector <code>", "only this sector, e.g. D035"),
    "devices",
  ).action(async (flags: PageFlags & { sector?: string }, command: Command) => {
    const sector = checkSector(flags.sector);
    const request = pb.QuerySharedDevicesRequest.encode({ sector, pagination: pagination(flags) }).finish();
    await printQuery(command, flags.node, QUERY_SHARED_DEVICES, request, pb.QuerySharedDevicesResponse);
  });
  device
    .command("counts")
    .description("number of devices: total, active, retired, shared (all, or of one sector)")
    .option("--sector <code>", "only this sector, e.g. D035")
    .option(...NODE_OPTION)
    .action(async (flags: { sector?: string; node?: string }, command: Command) => {
      const request = pb.QueryDeviceCountsRequest.encode({ sector: checkSector(flags.sector) }).finish();
      await printQuery(command, flags.node, QUERY_DEVICE_COUNTS, request, pb.QueryDeviceCountsResponse);
    });
}

/** Adds the device verbs under the existing `tx` and `query` commands (call after registerTx/Query). */
export function registerDevice(program: Command): void {
  addModuleVerbs(program, "device", { tx: registerDeviceTx, query: registerDeviceQuery });
}
