// Acceptance (issue 6, auditor): `sensorchain audit day` against a real node process. The node's
// single validator is operated by the faucet account; a device is registered, yesterday's readings
// are signed with its key and their commitment submitted (final at once: the operator holds all the
// power). The audit matches with the right readings (JSON lines, and the history document form with
// inclusion paths), names a missing and an extra reading, a tampered one (bad signature, and with a
// path: not in the commitment), both with the node's plain word and light-verified.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertIsDeliverTxSuccess, SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { createRegistry, KeyType, MSG_REGISTER_DEVICE, MSG_SUBMIT_COMMITMENT } from "../../client/index.ts";
import { bodyToProto } from "../../modules/meter/codec.ts";
import {
  commitmentBodyOf,
  dayProofs,
  encodeReading,
  type Reading,
  readingSignBytes,
} from "../../modules/meter/reading.ts";
import { cli, DENOM, faucetWallet, nodePerFile, rpc } from "../helpers/node-process.ts";

const DEVICE = "D035_0007";
const SEED = new Uint8Array(32).fill(42);
const FEE = { amount: [{ denom: DENOM, amount: "20000" }], gas: "800000" };
const DAY = BigInt(Math.floor(Date.now() / 86_400_000)) - 1n;
const DATE = new Date(Number(DAY) * 86_400_000).toISOString().slice(0, 10);

let work: string;
let readings: Reading[];

function signed(sequence: bigint, value: string): Reading {
  const reading: Reading = {
    deviceId: DEVICE,
    sequence,
    timestampMs: DAY * 86_400_000n + sequence * 60_000n,
    values: [{ name: "energy", unit: "kWh", value }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  return { ...reading, signature: ed25519.sign(readingSignBytes(reading), SEED) };
}

/** The bridge's JSON reading form (bridge-mqtt/README.md). */
function jsonForm(reading: Reading) {
  return {
    device_id: reading.deviceId,
    sequence: String(reading.sequence),
    timestamp_ms: String(reading.timestampMs),
    values: reading.values,
    ciphertext: Buffer.from(reading.ciphertext).toString("base64"),
    signature: Buffer.from(reading.signature).toString("base64"),
  };
}

const chain = nodePerFile(test, { faucetOperates: true });

test.serial.before(async () => {
  const { address } = await faucetWallet();
  work = await mkdtemp(join(tmpdir(), "sensorchain-audit-files-"));
  readings = Array.from({ length: 10 }, (_, i) => signed(BigInt(i + 1), `${i}.5`));
  const { wallet } = await faucetWallet();
  const client = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, {
    registry: createRegistry(),
    broadcastPollIntervalMs: 200,
  });
  try {
    assertIsDeliverTxSuccess(
      await client.signAndBroadcast(
        address,
        [
          {
            typeUrl: MSG_REGISTER_DEVICE,
            value: {
              owner: address,
              deviceId: DEVICE,
              publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(SEED) },
              metadata: { model: "Meter", unit: "kWh", locationHint: "Gent, BE" },
            },
          },
        ],
        FEE,
      ),
    );
    assertIsDeliverTxSuccess(
      await client.signAndBroadcast(
        address,
        [
          {
            typeUrl: MSG_SUBMIT_COMMITMENT,
            value: { operator: address, body: bodyToProto(commitmentBodyOf(DEVICE, DAY, readings)) },
          },
        ],
        FEE,
      ),
    );
  } finally {
    client.disconnect();
  }
});

test.after.always(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

async function audit(file: string, extra: string[] = []) {
  const args = ["audit", "day", DEVICE, DATE, "--readings", file, "--home", work, ...extra];
  const run = await cli(args).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  if (run.stdout === "") throw new Error(`audit failed (${run.code}): ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) };
}

async function jsonLines(name: string, list: Reading[]): Promise<string> {
  const file = join(work, name);
  await writeFile(file, `${list.map((r) => JSON.stringify(jsonForm(r))).join("\n")}\n`);
  return file;
}

async function trustFlags(): Promise<string[]> {
  const commit = await rpc(chain.node.rpcUrl, "commit", { height: "1" });
  return [
    "--primary",
    chain.node.rpcUrl,
    "--trusted-height",
    "1",
    "--trusted-hash",
    commit.result.signed_header.commit.block_id.hash,
  ];
}

test.serial("the right readings match the commitment (plain and light-verified)", async (t) => {
  t.timeout(60_000);
  const file = await jsonLines("right.jsonl", [...readings].reverse());
  const plain = await audit(file, ["--node", chain.node.rpcUrl]);
  t.is(plain.code, 0);
  t.true(plain.report.match);
  t.is(plain.report.commitment_source, "node (unverified)");
  t.is(plain.report.expected_count, "10");
  t.true(plain.report.signatures_checked);
  t.deepEqual([plain.report.missing, plain.report.extra, plain.report.mismatching], [[], [], []]);
  const verified = await audit(file, await trustFlags());
  t.is(verified.code, 0);
  t.true(verified.report.match);
  t.is(verified.report.commitment_source, "light-verified");
  t.is(verified.report.computed_root, plain.report.expected_root);
});

test.serial("a missing and an extra reading are named by sequence", async (t) => {
  t.timeout(60_000);
  const list = [...readings.filter((r) => r.sequence !== 4n), signed(11n, "7")];
  const { code, report } = await audit(await jsonLines("wrong.jsonl", list), ["--node", chain.node.rpcUrl]);
  t.is(code, 2);
  t.false(report.match);
  t.deepEqual(report.missing, ["4"]);
  t.deepEqual(report.extra, ["11"]);
});

test.serial("a tampered reading is named: bad signature, and off its inclusion path", async (t) => {
  t.timeout(60_000);
  const tampered = readings.map((r) =>
    r.sequence === 6n ? { ...r, values: [{ ...r.values[0]!, value: "99" }] } : r,
  );
  const lines = await audit(await jsonLines("tampered.jsonl", tampered), await trustFlags());
  t.is(lines.code, 2);
  t.deepEqual(lines.report.mismatching, [{ sequence: "6", reason: "bad_signature" }]);
  // The history document form: canonical bytes in base64 with each reading's path. The tampered
  // reading is re-signed (a device key leak, say): only its path can name it.
  const { proofs } = dayProofs(readings);
  const resigned = signed(6n, "99");
  const document = {
    readings: readings.map((r, i) => ({
      bytes: Buffer.from(encodeReading(r.sequence === 6n ? resigned : r)).toString("base64"),
      proof: { ...proofs[i]!, aunts: proofs[i]!.aunts.map((a) => Buffer.from(a).toString("base64")) },
    })),
  };
  const file = join(work, "history.json");
  await writeFile(file, JSON.stringify(document));
  const history = await audit(file, ["--node", chain.node.rpcUrl]);
  t.is(history.code, 2);
  t.deepEqual(history.report.mismatching, [{ sequence: "6", reason: "not_in_commitment" }]);
  const right = {
    readings: document.readings.map((entry, i) =>
      i === 5 ? { ...entry, bytes: Buffer.from(encodeReading(readings[5]!)).toString("base64") } : entry,
    ),
  };
  await writeFile(file, JSON.stringify(right));
  t.is((await audit(file, ["--node", chain.node.rpcUrl])).code, 0);
});

test.serial("bad input and a day without a commitment are refused with exit code 1", async (t) => {
  t.timeout(60_000);
  const bad = join(work, "bad.jsonl");
  await writeFile(bad, `${JSON.stringify(jsonForm(readings[0]!))}\n{"device_id": 5}\n`);
  const malformed = await cli([
    "audit",
    "day",
    DEVICE,
    DATE,
    "--readings",
    bad,
    "--node",
    chain.node.rpcUrl,
    "--home",
    work,
  ]).catch((error: { code: number; stderr: string }) => error);
  t.is((malformed as { code: number }).code, 1);
  t.regex((malformed as { stderr: string }).stderr, /entry 2/);
  const file = await jsonLines("ok.jsonl", readings);
  const otherDay = new Date(Number(DAY - 3n) * 86_400_000).toISOString().slice(0, 10);
  const none = await cli([
    "audit",
    "day",
    DEVICE,
    otherDay,
    "--readings",
    file,
    "--node",
    chain.node.rpcUrl,
    "--home",
    work,
  ]).catch((error: { code: number; stderr: string }) => error);
  t.is((none as { code: number }).code, 1);
  t.regex((none as { stderr: string }).stderr, /no final commitment/);
});

test.serial("readings fetched from an HTTP history URL page by page, with a header", async (t) => {
  t.timeout(60_000);
  const { proofs } = dayProofs(readings);
  const document = {
    readings: readings.map((r, i) => ({
      bytes: Buffer.from(encodeReading(r)).toString("base64"),
      proof: { ...proofs[i]!, aunts: proofs[i]!.aunts.map((a) => Buffer.from(a).toString("base64")) },
    })),
  };
  const seen: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization);
    if (request.headers.authorization !== "Bearer token-1") response.writeHead(401).end();
    else {
      // Two pages, as the bridge's history pages a day (more / next_after_sequence / after_sequence).
      const after = new URL(request.url ?? "/", "http://x").searchParams.get("after_sequence");
      const page =
        after === null
          ? {
              device_id: DEVICE,
              more: true,
              next_after_sequence: "5",
              readings: document.readings.slice(0, 5),
            }
          : { device_id: DEVICE, more: false, readings: document.readings.slice(Number(after)) };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bridge/v1/readings?device_id=${DEVICE}`;
  const ok = await audit(url, ["--node", chain.node.rpcUrl, "--header", "authorization: Bearer token-1"]);
  t.is(ok.code, 0);
  t.true(ok.report.match);
  const refused = await cli([
    "audit",
    "day",
    DEVICE,
    DATE,
    "--readings",
    url,
    "--node",
    chain.node.rpcUrl,
    "--home",
    work,
  ]).catch((error: { code: number; stderr: string }) => error);
  t.is((refused as { code: number }).code, 1);
  t.regex((refused as { stderr: string }).stderr, /HTTP 401/);
  t.deepEqual(seen, ["Bearer token-1", "Bearer token-1", undefined]);
});
