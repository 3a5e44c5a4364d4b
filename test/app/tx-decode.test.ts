// The fast decoders of common tx shapes against cosmjs-types on seeded random txs, valid and
// mutated: whenever a fast decoder answers, cosmjs-types decodes the same bytes without error to
// an equal value; and the shapes wallets send do take the fast path.
import test from "ava";
// cosmjs-types' own writer encodes uint64 values in [2^31, 2^32) wrongly; the app's fix makes the
// random txs what a correct encoder sends.
import "../../chain/app/binary-writer.ts";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { decodeCommonTx } from "../../chain/app/tx-decode.ts";
import { decodeCommonMsgSend } from "../../modules/bank/msgs.ts";
import { prng } from "../consensus/simulation.ts";

type Random = () => number;
const int = (random: Random, below: number) => Math.floor(random() * below);
const chance = (random: Random, p: number) => random() < p;
const bytes = (random: Random, max: number) =>
  Uint8Array.from({ length: int(random, max + 1) }, () => int(random, 256));

/** ASCII mostly, now and then a multi-byte character (not a fast-path string). */
function text(random: Random, max: number, unicodeChance: number): string {
  let out = "";
  const length = int(random, max + 1);
  for (let i = 0; i < length; i++) out += String.fromCharCode(32 + int(random, 95));
  return chance(random, unicodeChance) ? `${out}é✓` : out;
}

/** Edge values; from 2^49 on (over 7 varint bytes) they are unusual. */
const UINT64_SAMPLES = [0n, 1n, 127n, 128n, 300n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 48n, 2n ** 49n - 1n];
const UNUSUAL_UINT64_SAMPLES = [2n ** 49n, 2n ** 63n, 2n ** 64n - 1n];
let unusualChance = 0;
function uint64(random: Random): bigint {
  if (chance(random, unusualChance))
    return UNUSUAL_UINT64_SAMPLES[int(random, UNUSUAL_UINT64_SAMPLES.length)]!;
  return chance(random, 0.5)
    ? BigInt(int(random, 1_000_000))
    : UINT64_SAMPLES[int(random, UINT64_SAMPLES.length)]!;
}

function coin(random: Random) {
  return { denom: text(random, 12, 0.05), amount: String(uint64(random)) };
}

function msgSendBytes(random: Random): Uint8Array {
  return MsgSend.encode({
    fromAddress: text(random, 45, 0.05),
    toAddress: text(random, 45, 0.05),
    amount: Array.from({ length: int(random, 3) }, () => coin(random)),
  }).finish();
}

function any(random: Random): Any {
  return chance(random, 0.5)
    ? { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: msgSendBytes(random) }
    : { typeUrl: text(random, 40, 0.05), value: bytes(random, 40) };
}

/** A tx with random fields; `unusual` ones (tip, multisig, extensions, timestamp) only sometimes. */
function randomTx(random: Random, unusual: number): Uint8Array {
  unusualChance = unusual;
  const body = TxBody.encode({
    messages: Array.from({ length: int(random, 4) }, () => any(random)),
    memo: text(random, 30, 0.1),
    timeoutHeight: chance(random, 0.3) ? uint64(random) : 0n,
    unordered: chance(random, 0.1),
    ...(chance(random, unusual) ? { timeoutTimestamp: { seconds: 5n, nanos: 1 } } : {}),
    extensionOptions: chance(random, unusual) ? [any(random)] : [],
    nonCriticalExtensionOptions: chance(random, unusual) ? [any(random)] : [],
  }).finish();
  const signerInfos = Array.from({ length: int(random, 4) }, () => ({
    ...(chance(random, 0.8) ? { publicKey: any(random) } : {}),
    ...(chance(random, 0.8)
      ? {
          modeInfo: chance(random, unusual)
            ? { multi: { bitarray: { extraBitsStored: 1, elems: bytes(random, 3) }, modeInfos: [] } }
            : { single: { mode: [0, 1, 2, 127, 191][int(random, 5)]! } },
        }
      : {}),
    sequence: uint64(random),
  }));
  const authInfo = AuthInfo.encode({
    signerInfos,
    ...(chance(random, 0.9)
      ? {
          fee: {
            amount: Array.from({ length: int(random, 3) }, () => coin(random)),
            gasLimit: uint64(random),
            payer: chance(random, 0.2) ? text(random, 45, 0.05) : "",
            granter: chance(random, 0.2) ? text(random, 45, 0.05) : "",
          },
        }
      : {}),
    ...(chance(random, unusual) ? { tip: { amount: [coin(random)], tipper: "x" } } : {}),
  }).finish();
  return TxRaw.encode({
    bodyBytes: body,
    authInfoBytes: authInfo,
    signatures: Array.from({ length: int(random, 3) }, () => bytes(random, 70)),
  }).finish();
}

/** Flips, truncates, inserts or repeats bytes. */
function mutate(random: Random, input: Uint8Array): Uint8Array {
  const out = [...input];
  for (let edits = 1 + int(random, 3); edits > 0; edits--) {
    const at = int(random, out.length + 1);
    const kind = int(random, 4);
    if (kind === 0 && out.length > 0) out[at % out.length] = int(random, 256);
    else if (kind === 1) out.length = at;
    else if (kind === 2) out.splice(at, 0, int(random, 256));
    else out.splice(at, 0, ...out.slice(at, at + 1 + int(random, 8)));
  }
  return Uint8Array.from(out);
}

function cosmjsTx(input: Uint8Array) {
  const raw = TxRaw.decode(input);
  return { raw, body: TxBody.decode(raw.bodyBytes), authInfo: AuthInfo.decode(raw.authInfoBytes) };
}

test("decodeCommonTx yields what cosmjs-types does whenever it answers", (t) => {
  const random = prng(20261121);
  let fast = 0;
  let mutatedFast = 0;
  for (let round = 0; round < 3000; round++) {
    const tx = randomTx(random, 0.03);
    for (const input of [tx, mutate(random, tx), mutate(random, tx)]) {
      const mine = decodeCommonTx(input);
      if (mine === undefined) continue;
      if (input === tx) fast++;
      else mutatedFast++;
      let theirs: ReturnType<typeof cosmjsTx> | undefined;
      t.notThrows(() => {
        theirs = cosmjsTx(input);
      });
      t.deepEqual(mine, theirs);
      // The decoder reads views of its input: a tx inside a larger buffer (a gossip batch, a block)
      // decodes the same as the tx alone.
      const embedded = new Uint8Array(input.length + 7).fill(0xff);
      embedded.set(input, 3);
      t.deepEqual(decodeCommonTx(embedded.subarray(3, 3 + input.length)), theirs);
      if (!t.passed) return;
    }
  }
  // The comparisons above must have happened, on valid and on mutated bytes.
  t.true(fast > 1500, `fast path taken ${fast} times`);
  t.true(mutatedFast > 150, `fast path taken on ${mutatedFast} mutated txs`);
});

test("decodeCommonTx takes every tx without unusual fields and ASCII strings", (t) => {
  const random = prng(7);
  let compared = 0;
  for (let round = 0; round < 500; round++) {
    const tx = randomTx(random, 0);
    const { raw, body, authInfo } = cosmjsTx(tx);
    const strings = [
      body.memo,
      ...body.messages.map((message) => message.typeUrl),
      ...authInfo.signerInfos.map((info) => info.publicKey?.typeUrl ?? ""),
      ...(authInfo.fee?.amount ?? []).flatMap((c) => [c.denom, c.amount]),
      authInfo.fee?.payer ?? "",
      authInfo.fee?.granter ?? "",
    ];
    // Absent body or auth info bytes are left to cosmjs-types too (empty views of no buffer).
    const empty = raw.bodyBytes.length === 0 || raw.authInfoBytes.length === 0;
    if (strings.some((s) => /[^ -~]/.test(s)) || empty) continue;
    t.deepEqual(decodeCommonTx(tx), cosmjsTx(tx));
    compared++;
  }
  t.true(compared > 300, `${compared} compared`);
});

test("decodeCommonMsgSend yields what MsgSend.decode does whenever it answers", (t) => {
  const random = prng(99);
  let fast = 0;
  for (let round = 0; round < 3000; round++) {
    const msg = msgSendBytes(random);
    for (const input of [msg, mutate(random, msg)]) {
      const mine = decodeCommonMsgSend(input);
      if (mine === undefined) continue;
      fast++;
      let theirs: MsgSend | undefined;
      t.notThrows(() => {
        theirs = MsgSend.decode(input);
      });
      t.deepEqual(mine, theirs);
      if (!t.passed) return;
    }
  }
  t.true(fast > 2000, `fast path taken ${fast} times`);
});
