import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { fromHex } from "../../chain/types/bytes.ts";
import { timestampFromDate } from "../../chain/types/time.ts";
import {
  createRegistry,
  EscrowMode,
  encryptProfile,
  KeyType,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_COMPANY,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  MSG_SUBMIT_COMMITMENT,
  PricingUnit,
  profileCid,
} from "../../client/index.ts";
import { LightClient } from "../../light-client/client.ts";
import { LightClientError } from "../../light-client/errors.ts";
import {
  verifiedCommitment,
  verifiedCommitmentsByDevice,
  verifiedDevice,
  verifiedDevicesByOwner,
  verifiedEscrow,
  verifiedEscrowsByConsumer,
  verifiedIdentityToken,
  verifiedIdentityTokenByOwner,
} from "../../light-client/module-queries.ts";
import { verifyEd25519Node } from "../../light-client/node/verify-signature.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import { verifyReadingOnChain } from "../../light-client/verified-reading.ts";
import { bodyToProto, commitmentHash } from "../../modules/meter/codec.ts";
import {
  commitmentBodyOf,
  dayProofs,
  encodeReading,
  type Reading,
  readingSignBytes,
} from "../../modules/meter/reading.ts";
import {
  CHAIN_ID,
  cli,
  DENOM,
  faucetWallet,
  nodePerFile,
  rpc,
  waitForHeight,
} from "../helpers/node-process.ts";
import { type LyingNode, startLyingNode } from "./lying-node.ts";

const SEED = new Uint8Array(32).fill(5);
const FEE = { amount: [{ denom: DENOM, amount: "20000" }], gas: "800000" };
const DAY = BigInt(Math.floor(Date.now() / 86_400_000)) - 1n;
const now = () => timestampFromDate(new Date());

let owner: string;
let consumer: string;
let trustedHash: Uint8Array;
let readings: Reading[];

function signed(sequence: bigint): Reading {
  const reading: Reading = {
    deviceId: "D035_0001",
    sequence,
    timestampMs: DAY * 86_400_000n + sequence * 1_000n,
    values: [{ name: "energy", unit: "kWh", value: `${sequence}.25` }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  return { ...reading, signature: ed25519.sign(readingSignBytes(reading), SEED) };
}

let consumerWallet: DirectSecp256k1HdWallet;

const chain = nodePerFile(test, {
  faucetOperates: true,
  async accounts() {
    consumerWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    consumer = (await consumerWallet.getAccounts())[0]!.address;
    return [{ address: consumer, coins: `1000000000000${DENOM}` }];
  },
});

test.serial.before(async () => {
  const faucet = await faucetWallet();
  owner = faucet.address;
  const { node } = chain;
  const options = { registry: createRegistry(), broadcastPollIntervalMs: 200 };
  const client = await SigningStargateClient.connectWithSigner(node.rpcUrl, faucet.wallet, options);
  const consumerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, consumerWallet, options);
  try {
    readings = Array.from({ length: 7 }, (_, i) => signed(BigInt(i + 1)));
    const device = (id: string) => ({
      typeUrl: MSG_REGISTER_DEVICE,
      value: {
        owner,
        deviceId: id,
        publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(SEED) },
        metadata: { model: "Meter", unit: "kWh", locationHint: "Gent, BE" },
      },
    });
    const blob = await encryptProfile({ name: "Acme" }, "a long enough secret", {
      scrypt: { log2N: 10, r: 8, p: 1 },
    });
    assertIsDeliverTxSuccess(
      await client.signAndBroadcast(
        owner,
        [
          device("D035_0001"),
          device("D035_0002"),
          {
            typeUrl: MSG_SHARE_DEVICE,
            value: {
              owner,
              deviceId: "D035_0001",
              terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
            },
          },
          {
            typeUrl: MSG_SUBMIT_COMMITMENT,
            value: { operator: owner, body: bodyToProto(commitmentBodyOf("D035_0001", DAY, readings)) },
          },
          {
            typeUrl: MSG_REGISTER_COMPANY,
            value: { owner, profileCid: await profileCid(blob), sector: "D035" },
          },
        ],
        FEE,
      ),
    );
    const status = await rpc(node.rpcUrl, "status");
    const blockTime = BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
    const opened = await consumerClient.signAndBroadcast(
      consumer,
      [
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer,
            deviceId: "D035_0001",
            releaseAuthority: owner,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "10000" },
            price: { denom: DENOM, amount: "1000" },
            periodSeconds: 86_400n,
            expiryTime: blockTime + 3_600n,
          },
        },
      ],
      FEE,
    );
    assertIsDeliverTxSuccess(opened);
    // The state after the last tx is committed by the next header: provable from then on.
    await waitForHeight(node.rpcUrl, BigInt(opened.height) + 2n);
  } finally {
    client.disconnect();
    consumerClient.disconnect();
  }
  const commit = await rpc(node.rpcUrl, "commit", { height: "1" });
  trustedHash = fromHex(commit.result.signed_header.commit.block_id.hash);
});

function newClient(url: string) {
  return LightClient.create(
    {
      chainId: CHAIN_ID,
      primary: new RpcTransport(url),
      trust: { height: 1n, hash: trustedHash },
      verifySignature: verifyEd25519Node,
    },
    now(),
  );
}

test("devices, escrows, identity tokens and commitments, one by one and listed, are proven", async (t) => {
  t.timeout(60_000);
  const client = await newClient(chain.node.rpcUrl);
  const device = await verifiedDevice(client, "D035_0001", now());
  t.is(device.value?.owner, owner);
  t.true(device.value?.shared);
  t.is(device.value?.publicKey.type, "ed25519");
  t.is((await verifiedDevice(client, "D035_0099", now())).value, undefined);

  const escrow = await verifiedEscrow(client, 1n, now());
  t.is(escrow.value?.consumer, consumer);
  t.is(escrow.value?.deviceId, "D035_0001");
  t.is(escrow.value?.deposited, 10_000n);
  t.is((await verifiedEscrow(client, 2n, now())).value, undefined);

  const token = await verifiedIdentityToken(client, 1n, now());
  t.is(token.value?.owner, owner);
  const byOwner = await verifiedIdentityTokenByOwner(client, owner, now());
  t.is(byOwner.value?.tokenId, 1n);
  t.is((await verifiedIdentityTokenByOwner(client, consumer, now())).value, undefined);

  const commitment = await verifiedCommitment(client, "D035_0001", DAY, now());
  const body = commitmentBodyOf("D035_0001", DAY, readings);
  t.deepEqual(commitment.value?.root, body.root);
  t.is(commitment.value?.count, 7n);
  t.is(
    Buffer.from(commitment.value!.hash).toString("hex"),
    Buffer.from(commitmentHash(body)).toString("hex"),
  );
  t.is(commitment.value?.submitter, owner);
  t.is((await verifiedCommitment(client, "D035_0001", DAY - 1n, now())).value, undefined);

  const devices = await verifiedDevicesByOwner(client, owner, now());
  t.deepEqual(
    devices.items.map((d) => d.id),
    ["D035_0001", "D035_0002"],
  );
  t.false(devices.complete);
  const page = await verifiedDevicesByOwner(client, owner, now(), { limit: 1 });
  t.deepEqual(
    page.items.map((d) => d.id),
    ["D035_0001"],
  );
  const second = await verifiedDevicesByOwner(client, owner, now(), { limit: 1, pageKey: page.nextKey });
  t.deepEqual(
    second.items.map((d) => d.id),
    ["D035_0002"],
  );
  const escrows = await verifiedEscrowsByConsumer(client, consumer, now());
  t.deepEqual(
    escrows.items.map((e) => e.id),
    [1n],
  );
  const commitments = await verifiedCommitmentsByDevice(client, "D035_0001", now());
  t.deepEqual(
    commitments.items.map((c) => c.day),
    [DAY],
  );
  // Bad arguments are refused before anything is asked.
  for (const attempt of [
    verifiedDevice(client, "not-a-device", now()),
    verifiedEscrowsByConsumer(client, "cosmos1xyz", now()),
    verifiedDevicesByOwner(client, owner, now(), { limit: 1000 }),
  ])
    t.is((await t.throwsAsync(attempt, { instanceOf: LightClientError }))?.code, "query_failed");
});

async function withLiar(action: (liar: LyingNode) => Promise<void>): Promise<void> {
  const liar = await startLyingNode(chain.node.rpcUrl);
  try {
    await action(liar);
  } finally {
    await liar.close();
  }
}

test("a node that alters a stored module value is refused", async (t) => {
  t.timeout(60_000);
  await withLiar(async (liar) => {
    const client = await newClient(liar.url);
    for (const store of ["device", "escrow", "identity", "meter"]) {
      liar.rewrite = (method, params, result) => {
        if (
          method === "abci_query" &&
          String(params.path) === `/store/${store}/key` &&
          result.response.value
        ) {
          const bytes = Buffer.from(result.response.value, "base64");
          bytes[bytes.length - 1]! ^= 1;
          result.response.value = bytes.toString("base64");
        }
        return result;
      };
      const attempts = {
        device: () => verifiedDevice(client, "D035_0001", now()),
        escrow: () => verifiedEscrow(client, 1n, now()),
        identity: () => verifiedIdentityToken(client, 1n, now()),
        meter: () => verifiedCommitment(client, "D035_0001", DAY, now()),
      } as const;
      const error = await t.throwsAsync(attempts[store as keyof typeof attempts](), {
        instanceOf: LightClientError,
      });
      t.is(error?.code, "invalid_proof", store);
    }
    // A value hidden (answered as absent) is refused too: the membership proof is not an absence proof.
    liar.rewrite = (method, _params, result) => {
      if (method === "abci_query") result.response.value = null;
      return result;
    };
    const hidden = await t.throwsAsync(verifiedDevice(client, "D035_0001", now()), {
      instanceOf: LightClientError,
    });
    t.is(hidden?.code, "invalid_proof");
  });
});

test("a reading verifies through its day's commitment down to a light-verified header", async (t) => {
  t.timeout(60_000);
  const client = await newClient(chain.node.rpcUrl);
  const { sorted, proofs } = dayProofs(readings);
  const bytes = encodeReading(sorted[3]!);
  const yes = await verifyReadingOnChain(client, bytes, proofs[3]!, now());
  t.true(yes.verified);
  if (yes.verified) {
    t.is(yes.sequence, 4n);
    t.is(yes.day, DAY);
  }
  // Every reading of the day verifies; each with another's path does not.
  for (const [i, reading] of sorted.entries()) {
    t.true((await verifyReadingOnChain(client, encodeReading(reading), proofs[i]!, now())).verified);
    const other = proofs[(i + 1) % proofs.length]!;
    const mispathed = await verifyReadingOnChain(client, encodeReading(reading), other, now());
    t.is(mispathed.verified ? "" : mispathed.reason, "not_in_commitment");
  }
  const changed = encodeReading({ ...sorted[3]!, values: [{ name: "energy", unit: "kWh", value: "9" }] });
  const no = await verifyReadingOnChain(client, changed, proofs[3]!, now());
  t.false(no.verified);
  t.is(no.verified ? "" : no.reason, "not_in_commitment");
  const wrongTotal = { ...proofs[3]!, total: proofs[3]!.total + 1 };
  t.false((await verifyReadingOnChain(client, bytes, wrongTotal, now())).verified);
  const uncommitted = encodeReading({ ...sorted[3]!, timestampMs: sorted[3]!.timestampMs - 86_400_000n });
  const notFinal = await verifyReadingOnChain(client, uncommitted, proofs[3]!, now());
  t.is(notFinal.verified ? "" : notFinal.reason, "day_not_final");
  const garbage = await verifyReadingOnChain(client, Uint8Array.of(0xff, 0xff, 0xff), proofs[3]!, now());
  t.is(garbage.verified ? "" : garbage.reason, "not_a_reading");
  // A lying node cannot make a reading verify: a forged commitment does not prove.
  await withLiar(async (liar) => {
    const lied = await newClient(liar.url);
    liar.rewrite = (method, params, result) => {
      if (method === "abci_query" && String(params.path) === "/store/meter/key" && result.response.value) {
        const bytes = Buffer.from(result.response.value, "base64");
        bytes[10]! ^= 1;
        result.response.value = bytes.toString("base64");
      }
      return result;
    };
    const error = await t.throwsAsync(verifyReadingOnChain(lied, bytes, proofs[3]!, now()), {
      instanceOf: LightClientError,
    });
    t.is(error?.code, "invalid_proof");
  });
});

test("light query device|escrow|token|commitment print proven records", async (t) => {
  t.timeout(60_000);
  const flags = [
    "--primary",
    chain.node.rpcUrl,
    "--trusted-height",
    "1",
    "--trusted-hash",
    Buffer.from(trustedHash).toString("hex"),
    "--home",
    chain.home.home,
  ];
  const query = async (...args: string[]) =>
    JSON.parse((await cli(["light", "query", ...args, ...flags])).stdout) as {
      found: boolean;
      // biome-ignore lint/suspicious/noExplicitAny: printed JSON, read field by field
      value: any;
      verified: boolean;
    };
  const device = await query("device", "D035_0001");
  t.true(device.verified);
  t.is(device.value.owner, owner);
  t.is((await query("escrow", "1")).value.consumer, consumer);
  const token = await query("token", owner);
  t.is(token.value.owner, owner);
  const date = new Date(Number(DAY) * 86_400_000).toISOString().slice(0, 10);
  const commitment = await query("commitment", "D035_0001", date);
  t.is(commitment.value.count, "7");
  t.false((await query("device", "D035_0099")).found);
  const refused = await cli(["light", "query", "escrow", "x1", ...flags]).catch(
    (error: { code: number; stderr: string }) => error,
  );
  t.is((refused as { code: number }).code, 1);
});
