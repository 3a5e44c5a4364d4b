// Acceptance: the escrow module through an unmodified cosmjs SigningStargateClient with the project's
// exported registry, against a real node process: register and share a device → open an escrow naming
// a service key as release authority → release → withdraw, every balance checked to the unit with the
// 80/10/10 split (gateway = the node's validator operator, the block proposer); a release by someone
// who is not the authority fails; refund after expiry; the escrow record proven against the app hash.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, type SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import {
  createRegistry,
  EscrowMode,
  KeyType,
  MSG_OPEN_ESCROW,
  MSG_REFUND_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_RELEASE_ESCROW,
  MSG_SHARE_DEVICE,
  MSG_WITHDRAW_EARNINGS,
  PricingUnit,
  escrow as pb,
  QUERY_EARNINGS,
  QUERY_ESCROW,
  QUERY_ESCROW_PARAMS,
} from "../../client/index.ts";
import { verifyChainedMembership } from "../../light-client/ics23/index.ts";
import { escrowKey } from "../../modules/escrow/keys.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { editGenesis, operateOnlyValidator } from "../helpers/genesis-file.ts";
import {
  abciQueryDecoded,
  DENOM,
  faucetWallet,
  nodePerFile,
  rpc,
  signingClients,
} from "../helpers/node-process.ts";

/** Operates the node's validator (app_state.poa), so it earns the gateway share of releases. */
let gatewayWallet: { wallet: DirectSecp256k1HdWallet; address: string };

const chain = nodePerFile(test, {
  async prepare(home) {
    gatewayWallet = await wallet();
    await editGenesis(home.home, (genesis) =>
      operateOnlyValidator(genesis, gatewayWallet.address, "gateway"),
    );
  },
});

/** Fixed fees so every balance can be checked to the unit. */
const FEE_AMOUNT = 10_000n;
const FEE = { amount: [{ denom: DENOM, amount: String(FEE_AMOUNT) }], gas: "400000" };

const abciQuery = <T>(path: string, request: Uint8Array, type: { decode(bytes: Uint8Array): T }) =>
  abciQueryDecoded(chain.node.rpcUrl, path, request, type);

async function latestBlockTime(): Promise<bigint> {
  const status = await rpc(chain.node.rpcUrl, "status");
  return BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
}

async function wallet() {
  const w = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const [account] = await w.getAccounts();
  return { wallet: w, address: account!.address };
}

test.serial(
  "share → open → release (80/10/10) → withdraw; stranger refused; refund after expiry",
  async (t) => {
    const registry = createRegistry();
    const options = {
      registry,
      gasPrice: GasPrice.fromString(`0.025${DENOM}`),
      broadcastPollIntervalMs: 200,
    };
    const genesis = JSON.parse(await readFile(join(chain.home.home, "config/genesis.json"), "utf8"));
    const gateway: string = genesis.app_state.poa.validators[0].operator;
    const { wallet: faucet, address: funder } = await faucetWallet();
    const producer = await wallet();
    const consumer = await wallet();
    const service = await wallet();
    const stranger = await wallet();
    const connect = signingClients(t, chain.node.rpcUrl, options);
    const funderClient = await connect(faucet);
    for (const address of [producer.address, consumer.address, service.address, stranger.address])
      assertIsDeliverTxSuccess(
        await funderClient.sendTokens(funder, address, [{ denom: DENOM, amount: "1000000" }], FEE),
      );
    const producerClient = await connect(producer.wallet);
    const consumerClient = await connect(consumer.wallet);
    const serviceClient = await connect(service.wallet);
    const strangerClient = await connect(stranger.wallet);
    const balance = async (address: string) => BigInt((await funderClient.getBalance(address, DENOM)).amount);
    const { platformPool } = await abciQuery(
      QUERY_ESCROW_PARAMS,
      pb.QueryParamsRequest.encode({}).finish(),
      pb.QueryParamsResponse,
    );
    const escrowAccount = (await import("../../modules/auth/keys.ts")).moduleAddress("escrow");

    // The producer registers and shares sensor A.
    assertIsDeliverTxSuccess(
      await producerClient.signAndBroadcast(
        producer.address,
        [
          {
            typeUrl: MSG_REGISTER_DEVICE,
            value: {
              owner: producer.address,
              deviceId: "D035_0100",
              publicKey: {
                type: KeyType.KEY_TYPE_ED25519,
                key: ed25519.getPublicKey(new Uint8Array(32).fill(5)),
              },
              metadata: { model: "SensorA", unit: "°C", locationHint: "Gent, BE" },
            },
          },
          {
            typeUrl: MSG_SHARE_DEVICE,
            value: {
              owner: producer.address,
              deviceId: "D035_0100",
              terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
            },
          },
        ],
        FEE,
      ),
    );

    // The consumer deposits 10,000 and hands the service key the right to release.
    const consumerStart = await balance(consumer.address);
    const poolStart = await balance(platformPool);
    const expiryTime = (await latestBlockTime()) + 3_600n;
    const opened = await consumerClient.signAndBroadcast(
      consumer.address,
      [
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer: consumer.address,
            deviceId: "D035_0100",
            releaseAuthority: service.address,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "10000" },
            price: { denom: DENOM, amount: "1000" },
            periodSeconds: 86_400n,
            expiryTime,
          },
        },
      ],
      FEE,
    );
    assertIsDeliverTxSuccess(opened);
    const escrowId = BigInt(
      pb.MsgOpenEscrowResponse.decode(opened.msgResponses[0]!.value).escrowId.toString(),
    );
    t.is(await balance(consumer.address), consumerStart - 10_000n - FEE_AMOUNT);
    t.is(await balance(escrowAccount), 10_000n);

    /** `signer` releases `amount` usensor of the escrow through its client. */
    const release = (client: SigningStargateClient, signer: string, amount: string) =>
      client.signAndBroadcast(
        signer,
        [{ typeUrl: MSG_RELEASE_ESCROW, value: { signer, escrowId, amount: { denom: DENOM, amount } } }],
        FEE,
      );

    // Someone who is not the authority cannot release.
    const refused = await release(strangerClient, stranger.address, "1000");
    t.is(refused.code, 9);
    t.regex(refused.rawLog ?? "", /not the consumer or release authority/);
    t.is(await balance(escrowAccount), 10_000n);

    // The service's condition holds: it releases 2,500.
    const released = await release(serviceClient, service.address, "2500");
    assertIsDeliverTxSuccess(released);
    const shares = pb.MsgReleaseEscrowResponse.decode(released.msgResponses[0]!.value);
    t.like(shares, { owner: producer.address, gateway });
    t.deepEqual(
      [shares.ownerShare!.amount, shares.gatewayShare!.amount, shares.platformShare!.amount],
      ["2000", "250", "250"],
    );
    t.is(await balance(platformPool), poolStart + 250n);
    const earnings = async (address: string) =>
      (
        await abciQuery(
          QUERY_EARNINGS,
          pb.QueryEarningsRequest.encode({ address }).finish(),
          pb.QueryEarningsResponse,
        )
      ).amount.map((c) => `${c.amount}${c.denom}`);
    t.deepEqual(await earnings(producer.address), [`2000${DENOM}`]);
    t.deepEqual(await earnings(gateway), [`250${DENOM}`]);
    t.is(await balance(escrowAccount), 10_000n - 250n);

    // The producer withdraws exactly its 80%.
    const producerBefore = await balance(producer.address);
    const withdrawn = await producerClient.signAndBroadcast(
      producer.address,
      [{ typeUrl: MSG_WITHDRAW_EARNINGS, value: { owner: producer.address } }],
      FEE,
    );
    assertIsDeliverTxSuccess(withdrawn);
    t.is(await balance(producer.address), producerBefore + 2_000n - FEE_AMOUNT);
    t.deepEqual(await earnings(producer.address), []);
    t.is(await balance(escrowAccount), 7_500n + 250n, "7,500 deposit + the gateway's 250 not yet withdrawn");

    // The record is provable against the next header's app hash.
    const proof = await rpc(chain.node.rpcUrl, "abci_query", {
      path: "/store/escrow/key",
      data: Buffer.from(escrowKey(escrowId)).toString("hex"),
      prove: true,
    });
    const response = proof.result.response;
    const value = Uint8Array.from(Buffer.from(response.value, "base64"));
    t.is(pb.Escrow.decode(value).remaining, "7500");
    const height = Number(response.height);
    const { waitForHeight } = await import("../helpers/node-process.ts");
    await waitForHeight(chain.node.rpcUrl, BigInt(height + 1));
    const header = (await rpc(chain.node.rpcUrl, "block", { height: String(height + 1) })).result.block
      .header;
    const appHash = Uint8Array.from(Buffer.from(header.app_hash, "hex"));
    const ops = response.proofOps.ops.map((op: { type: string; key: string; data: string }) => ({
      type: op.type,
      key: Uint8Array.from(Buffer.from(op.key, "base64")),
      data: Uint8Array.from(Buffer.from(op.data, "base64")),
    }));
    t.notThrows(() => verifyChainedMembership(appHash, ops, "escrow", escrowKey(escrowId), value));
    t.is(
      (
        await abciQuery(
          QUERY_ESCROW,
          encodeCanonical(pb.QueryEscrowRequest, { escrowId: toLong(escrowId) }),
          pb.QueryEscrowResponse,
        )
      ).escrow!.released,
      "2500",
    );

    // A short escrow: refund refused before expiry, then the whole rest comes back after it.
    const short = await consumerClient.signAndBroadcast(
      consumer.address,
      [
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer: consumer.address,
            deviceId: "D035_0100",
            releaseAuthority: service.address,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "3000" },
            price: { denom: DENOM, amount: "0" },
            expiryTime: (await latestBlockTime()) + 3n,
          },
        },
      ],
      FEE,
    );
    assertIsDeliverTxSuccess(short);
    const shortId = BigInt(pb.MsgOpenEscrowResponse.decode(short.msgResponses[0]!.value).escrowId.toString());
    const early = await consumerClient.signAndBroadcast(
      consumer.address,
      [{ typeUrl: MSG_REFUND_ESCROW, value: { consumer: consumer.address, escrowId: shortId } }],
      FEE,
    );
    t.is(early.code, 14);
    const deadline = (await latestBlockTime()) + 5n;
    while ((await latestBlockTime()) < deadline) await new Promise((r) => setTimeout(r, 250));
    const before = await balance(consumer.address);
    const refund = await consumerClient.signAndBroadcast(
      consumer.address,
      [{ typeUrl: MSG_REFUND_ESCROW, value: { consumer: consumer.address, escrowId: shortId } }],
      FEE,
    );
    assertIsDeliverTxSuccess(refund);
    t.is(pb.MsgRefundEscrowResponse.decode(refund.msgResponses[0]!.value).refunded!.amount, "3000");
    t.is(await balance(consumer.address), before + 3_000n - FEE_AMOUNT);
    t.is(await balance(escrowAccount), 7_750n);
  },
);
