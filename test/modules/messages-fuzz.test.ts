// Property: whatever a message of the device, poa, identity, meter, escrow or market module carries,
// validateBasic answers with a typed error (AbciError, a code for the client) or accepts it; it never
// throws anything else, which the application would turn into "internal" (code 1). Messages the
// module tests sent (sent-messages.txt: type URL, hex bytes; valid ones, but MsgTransferIdentity,
// which is always refused: identities are soulbound) are mutated at the wire level, one or two
// fields at any depth replaced, dropped, repeated or added, from a fixed seed.
import { readFileSync } from "node:fs";
import test from "ava";
import { AbciError } from "../../chain/app/errors.ts";
import type { AnyMsgHandler } from "../../chain/app/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { escrowModule } from "../../modules/escrow/module.ts";
import { identityModule } from "../../modules/identity/module.ts";
import { marketModule } from "../../modules/market/module.ts";
import { meterModule } from "../../modules/meter/module.ts";
import { poaModule } from "../../modules/poa/module.ts";

/** Mutated copies of each valid message: ~6,500 validateBasic calls, a few seconds. */
const MUTATIONS_PER_MESSAGE = 100;

/** A wire-level field: varint, 64-bit, length-delimited or 32-bit value. */
interface Field {
  number: number;
  wireType: number;
  value: bigint | Uint8Array;
}

/** Park-Miller: the same mutations on every run, so a failure reproduces. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

function encodeVarint(value: bigint, out: number[]): void {
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
}

/** Top-level fields, or undefined when the bytes are not a well-formed message. */
function parseFields(bytes: Uint8Array): Field[] | undefined {
  const fields: Field[] = [];
  let offset = 0;
  const varint = (): bigint | undefined => {
    let value = 0n;
    for (let shift = 0n; offset < bytes.length && shift < 70n; shift += 7n) {
      const byte = bytes[offset++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (offset < bytes.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const wireType = Number(tag & 7n);
    const number = Number(tag >> 3n);
    const width = wireType === 1 ? 8 : wireType === 5 ? 4 : wireType === 2 ? Number(varint() ?? -1) : 0;
    if (wireType === 0) {
      const value = varint();
      if (value === undefined) return undefined;
      fields.push({ number, wireType, value });
    } else if ((wireType === 1 || wireType === 2 || wireType === 5) && width >= 0) {
      if (offset + width > bytes.length) return undefined;
      fields.push({ number, wireType, value: bytes.slice(offset, offset + width) });
      offset += width;
    } else return undefined;
  }
  return fields;
}

function encodeFields(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const field of fields) {
    encodeVarint(BigInt((field.number << 3) | field.wireType), out);
    if (typeof field.value === "bigint") encodeVarint(field.value, out);
    else {
      if (field.wireType === 2) encodeVarint(BigInt(field.value.length), out);
      out.push(...field.value);
    }
  }
  return Uint8Array.from(out);
}

const TEXTS = [
  "",
  "0",
  "-1",
  "00",
  "1.5",
  " 1",
  "1e3",
  "0x1",
  (2n ** 256n).toString(),
  "9".repeat(100),
  "usensor",
  "x".repeat(70_000),
  "\u0000",
  "é",
  "D035_0001",
  "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
  "NaN",
].map((text) => new TextEncoder().encode(text));
const VARINTS = [
  0n,
  1n,
  2n,
  3n,
  5n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
];
const BYTE_LENGTHS = [0, 1, 31, 32, 33, 64, 65, 5_000];

function mutate(bytes: Uint8Array, random: () => number, depth = 0): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const fields = parseFields(bytes) ?? [];
  const number = 1 + Math.floor(random() * 12);
  if (fields.length === 0 || random() < 0.1) {
    fields.push(
      random() < 0.5
        ? { number, wireType: 0, value: pick(VARINTS) }
        : { number, wireType: 2, value: pick(TEXTS) },
    );
    return encodeFields(fields);
  }
  const index = Math.floor(random() * fields.length);
  const field = fields[index]!;
  const choice = random();
  if (choice < 0.08) fields.splice(index, 1);
  else if (choice < 0.14) fields.push({ ...field });
  else if (typeof field.value === "bigint") field.value = pick(VARINTS);
  else if (field.wireType === 2) {
    const nested = parseFields(field.value);
    if (nested !== undefined && nested.length > 0 && depth < 4 && random() < 0.5)
      field.value = mutate(field.value, random, depth + 1);
    else if (random() < 0.7) field.value = pick(TEXTS);
    else field.value = Uint8Array.from({ length: pick(BYTE_LENGTHS) }, () => Math.floor(random() * 256));
  }
  return encodeFields(fields);
}

test("validateBasic answers every mutated message with an AbciError or accepts it", (t) => {
  const handlers = new Map<string, AnyMsgHandler>();
  for (const module of [
    deviceModule(),
    poaModule(),
    identityModule(),
    meterModule(),
    escrowModule(),
    marketModule(),
  ])
    for (const [typeUrl, handler] of Object.entries(module.msgs ?? {})) handlers.set(typeUrl, handler);
  const lines = readFileSync(new URL("sent-messages.txt", import.meta.url), "utf8")
    .trim()
    .split("\n");
  const random = seededRandom(20261121);
  const typeUrls = new Set<string>();
  let refused = 0;
  let accepted = 0;
  for (const line of lines) {
    const [typeUrl = "", hex = ""] = line.split(" ");
    const handler = handlers.get(typeUrl);
    if (handler === undefined) return t.fail(`no handler for ${typeUrl}`);
    typeUrls.add(typeUrl);
    const sent = Uint8Array.from(Buffer.from(hex, "hex"));
    for (let i = 0; i < MUTATIONS_PER_MESSAGE; i++) {
      let bytes = mutate(sent, random);
      if (random() < 0.5) bytes = mutate(bytes, random);
      let msg: unknown;
      try {
        msg = handler.decode(bytes);
      } catch {
        continue; // the tx decoder answers these with txDecode (sdk 2)
      }
      try {
        handler.validateBasic(msg);
        handler.signers(msg);
        accepted++;
      } catch (error) {
        if (!(error instanceof AbciError))
          return t.fail(`${typeUrl} ${Buffer.from(bytes).toString("hex")}: ${(error as Error).stack}`);
        refused++;
      }
    }
  }
  t.is(typeUrls.size, handlers.size, "every message type has examples");
  t.true(refused > 1_000 && accepted > 1_000, `refused ${refused}, accepted ${accepted}`);
});
