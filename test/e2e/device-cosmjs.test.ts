// Acceptance: the device module through an unmodified cosmjs SigningStargateClient using the
// project's exported registry, against a real node process: register, share, queries by owner and
// of the shared list, key rotation, transfer, retire, a refused update by a non-owner, tx search by
// a device event, and a device record proven against the next header's app hash.
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import test from "ava";
import {
  createRegistry,
  KeyType,
  MSG_REGISTER_DEVICE,
  MSG_RETIRE_DEVICE,
  MSG_ROTATE_DEVICE_KEY,
  MSG_SHARE_DEVICE,
  MSG_TRANSFER_DEVICE_OWNERSHIP,
  MSG_UPDATE_DEVICE_METADATA,
  PricingUnit,
  device as pb,
  QUERY_DEVICE,
  QUERY_DEVICES_BY_OWNER,
  QUERY_SHARED_DEVICES,
} from "../../client/index.ts";
import { verifyChainedMembership } from "../../light-client/ics23/index.ts";
import { deviceKey } from "../../modules/device/keys.ts";
import {
  abciQueryDecoded,
  DENOM,
  faucetWallet,
  nodePerFile,
  rpc,
  waitForHeight,
} from "../helpers/node-process.ts";

const chain = nodePerFile(test);

/** cosmjs' default "auto" fee (simulated gas × 1.4): simulation charges a nominal fee now, so the
 * small device messages fit (test/app/simulate-gas.test.ts). */
const AUTO = "auto";
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };

const abciQuery = <T>(path: string, request: Uint8Array, type: { decode(bytes: Uint8Array): T }) =>
  abciQueryDecoded(chain.node.rpcUrl, path, request, type);

test.serial("register, share, query, rotate, transfer, retire through SigningStargateClient", async (t) => {
  const registry = createRegistry();
  const { wallet, address: alice } = await faucetWallet();
  const options = { registry, gasPrice: GasPrice.fromString(`0.025${DENOM}`), broadcastPollIntervalMs: 200 };
  const client = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, options);
  const bobWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const [bobAccount] = await bobWallet.getAccounts();
  const bob = bobAccount!.address;
  assertIsDeliverTxSuccess(await client.sendTokens(alice, bob, [{ denom: DENOM, amount: "1000000" }], FEE));
  const bobClient = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, bobWallet, options);
  t.teardown(() => {
    client.disconnect();
    bobClient.disconnect();
  });

  const deviceKeyBytes = ed25519.getPublicKey(new Uint8Array(32).fill(3));
  const registered = await client.signAndBroadcast(
    alice,
    [
      {
        typeUrl: MSG_REGISTER_DEVICE,
        value: {
          owner: alice,
          deviceId: "D035_0001",
          publicKey: { type: KeyType.KEY_TYPE_ED25519, key: deviceKeyBytes },
          metadata: { model: "SmartMeter", unit: "kWh", locationHint: "Lyon, FR" },
        },
      },
      {
        typeUrl: MSG_REGISTER_DEVICE,
        value: {
          owner: alice,
          deviceId: "C010_0001",
          publicKey: {
            type: KeyType.KEY_TYPE_ED25519,
            key: ed25519.getPublicKey(new Uint8Array(32).fill(4)),
          },
          metadata: { unit: "°C" },
        },
      },
    ],
    AUTO,
  );
  assertIsDeliverTxSuccess(registered);
  t.is(registered.msgResponses[0]!.typeUrl, `${MSG_REGISTER_DEVICE}Response`);
  t.is(pb.MsgRegisterDeviceResponse.decode(registered.msgResponses[0]!.value).deviceId, "D035_0001");
  const found = await client.searchTx(`sensorchain.device.v1.EventDeviceRegistered.device_id='D035_0001'`);
  t.deepEqual(
    found.map((tx) => tx.hash),
    [registered.transactionHash],
  );

  const shared = await client.signAndBroadcast(
    alice,
    [
      {
        typeUrl: MSG_SHARE_DEVICE,
        value: {
          owner: alice,
          deviceId: "D035_0001",
          terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "250" } },
        },
      },
    ],
    AUTO,
  );
  assertIsDeliverTxSuccess(shared);

  const byOwner = await abciQuery(
    QUERY_DEVICES_BY_OWNER,
    pb.QueryDevicesByOwnerRequest.encode({ owner: alice }).finish(),
    pb.QueryDevicesByOwnerResponse,
  );
  t.deepEqual(
    byOwner.devices.map((d) => d.id),
    ["C010_0001", "D035_0001"],
  );
  const sharedList = await abciQuery(
    QUERY_SHARED_DEVICES,
    pb.QuerySharedDevicesRequest.encode({ sector: "D035" }).finish(),
    pb.QuerySharedDevicesResponse,
  );
  t.deepEqual(
    sharedList.devices.map((d) => [d.id, d.shareTerms?.price?.amount]),
    [["D035_0001", "250"]],
  );

  const newKey = p256.getPublicKey(new Uint8Array(32).fill(5), true);
  assertIsDeliverTxSuccess(
    await client.signAndBroadcast(
      alice,
      [
        {
          typeUrl: MSG_ROTATE_DEVICE_KEY,
          value: {
            owner: alice,
            deviceId: "D035_0001",
            newPublicKey: { type: KeyType.KEY_TYPE_P256, key: newKey },
          },
        },
      ],
      AUTO,
    ),
  );
  assertIsDeliverTxSuccess(
    await client.signAndBroadcast(
      alice,
      [
        {
          typeUrl: MSG_TRANSFER_DEVICE_OWNERSHIP,
          value: { owner: alice, deviceId: "D035_0001", newOwner: bob },
        },
      ],
      AUTO,
    ),
  );
  const refused = await client.signAndBroadcast(
    alice,
    [
      {
        typeUrl: MSG_UPDATE_DEVICE_METADATA,
        value: { owner: alice, deviceId: "D035_0001", metadata: { model: "stolen" } },
      },
    ],
    FEE,
  );
  t.is(refused.code, 8);
  t.regex(refused.rawLog ?? "", /does not own device D035_0001: not the device owner/);

  assertIsDeliverTxSuccess(
    await bobClient.signAndBroadcast(
      bob,
      [{ typeUrl: MSG_RETIRE_DEVICE, value: { owner: bob, deviceId: "D035_0001" } }],
      AUTO,
    ),
  );
  const { device } = await abciQuery(
    QUERY_DEVICE,
    pb.QueryDeviceRequest.encode({ deviceId: "D035_0001" }).finish(),
    pb.QueryDeviceResponse,
  );
  t.is(device!.owner, bob);
  t.is(device!.status, pb.DeviceStatus.DEVICE_STATUS_RETIRED);
  t.false(device!.shared);
  t.is(device!.metadata!.model, "SmartMeter");
  t.deepEqual(Uint8Array.from(device!.publicKey!.key!), newKey);
  const afterRetire = await abciQuery(
    QUERY_SHARED_DEVICES,
    pb.QuerySharedDevicesRequest.encode({}).finish(),
    pb.QuerySharedDevicesResponse,
  );
  t.deepEqual(afterRetire.devices, []);
});

test.serial("a device queried with prove verifies against the next header's app hash", async (t) => {
  const key = deviceKey("C010_0001");
  const response = await rpc(chain.node.rpcUrl, "abci_query", {
    path: "/store/device/key",
    data: Buffer.from(key).toString("hex"),
    prove: true,
  });
  const result = response.result.response;
  const height = BigInt(result.height);
  const value = Buffer.from(result.value ?? "", "base64");
  t.is(pb.Device.decode(value).id, "C010_0001");
  await waitForHeight(chain.node.rpcUrl, height + 1n);
  const next = await rpc(chain.node.rpcUrl, "block", { height: String(height + 1n) });
  const appHash = Buffer.from(next.result.block.header.app_hash, "hex");
  const ops = result.proofOps.ops.map((op: { type: string; key: string; data: string }) => ({
    type: op.type,
    key: Buffer.from(op.key, "base64"),
    data: Buffer.from(op.data, "base64"),
  }));
  t.notThrows(() => verifyChainedMembership(appHash, ops, "device", key, value));
  const forged = pb.Device.encode({ ...pb.Device.decode(value), owner: "sensor1forged" }).finish();
  t.throws(() => verifyChainedMembership(appHash, ops, "device", key, forged));
});
