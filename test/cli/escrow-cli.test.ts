// `sensorchain tx escrow open|top-up|release|close|refund|withdraw` as real CLI processes against one
// real node: each verb commits and `sensorchain query escrow …` / `query bank balances` show its
// effect; each is also refused once with the escrow module's code (modules/escrow/README.md,
// Failures), and the query after the refusal shows nothing changed.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { type CliAccount, CliNode, newCliAccount } from "./cli-helpers.ts";

const DEVICE = "E036_0061";
const UNSHARED = "E036_0062";
let chain: CliNode;
let consumer: CliAccount;
let stranger: CliAccount;

test.before(async () => {
  consumer = await newCliAccount("consumer");
  stranger = await newCliAccount("stranger");
  chain = await CliNode.start([consumer, stranger]);
});

test.after.always(async () => {
  await chain?.stop();
});

const balance = async (address: string) =>
  BigInt(
    (await chain.query(["bank", "balances", address])).balances.find(
      (coin: { denom: string }) => coin.denom === "usensor",
    )?.amount ?? "0",
  );
const escrow = async (id: string) => (await chain.query(["escrow", "show", id])).escrow;

test("open, top-up, release, withdraw, close and refund; each refused once with its code", async (t) => {
  t.timeout(300_000);
  const pubkey = (seed: number) =>
    Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(seed))).toString("hex");
  for (const [id, seed] of [
    [DEVICE, 61],
    [UNSHARED, 62],
  ] as const)
    await chain.tx(t, [
      "device",
      "register",
      "faucet",
      id,
      "--key-type",
      "ed25519",
      "--pubkey",
      pubkey(seed),
    ]);
  await chain.tx(t, ["device", "share", "faucet", DEVICE, "5usensor", "--per", "day"]);
  const open = ["escrow", "open", "consumer", DEVICE, "--deposit", "5000usensor", "--expiry", "+1h"];

  // open: an unshared device is refused (4), a shared one opens escrow 1.
  await chain.refused(t, [...open.slice(0, 3), UNSHARED, ...open.slice(4)], 4, "escrow");
  t.deepEqual((await chain.query(["escrow", "by-consumer", consumer.address])).escrows, []);
  await chain.tx(t, open);
  t.like(await escrow("1"), {
    consumer: consumer.address,
    device_id: DEVICE,
    release_authority: consumer.address,
    denom: "usensor",
    deposited: "5000",
    remaining: "5000",
    status: "ESCROW_STATUS_OPEN",
  });

  // top-up: only the consumer (8); then 5000 -> 6000.
  await chain.refused(t, ["escrow", "top-up", "stranger", "1", "1000usensor"], 8, "escrow");
  t.is((await escrow("1")).remaining, "5000");
  await chain.tx(t, ["escrow", "top-up", "consumer", "1", "1000usensor"]);
  t.like(await escrow("1"), { remaining: "6000", deposited: "6000" });

  // release: not above the remaining deposit (12); 2000 released: the faucet, device owner (80%) and
  // operator of the proposing validator (gateway, 10%), is owed 1800.
  await chain.refused(t, ["escrow", "release", "consumer", "1", "7000usensor"], 12, "escrow");
  t.is((await escrow("1")).remaining, "6000");
  await chain.tx(t, ["escrow", "release", "consumer", "1", "2000usensor"]);
  t.like(await escrow("1"), { remaining: "4000", released: "2000" });
  const earnings = await chain.query(["escrow", "earnings", chain.faucet.address]);
  t.deepEqual(earnings.amount, [{ denom: "usensor", amount: "1800" }]);

  // withdraw: nothing owed to the stranger (15); the faucet collects its 1800.
  await chain.refused(t, ["escrow", "withdraw", "stranger"], 15, "escrow");
  const ownerBefore = await balance(chain.faucet.address);
  await chain.tx(t, ["escrow", "withdraw", "faucet"]);
  t.is(await balance(chain.faucet.address), ownerBefore + 1800n - 20000n, "1800 earned, 20000 fee");
  t.deepEqual((await chain.query(["escrow", "earnings", chain.faucet.address])).amount, []);

  // refund: not while open and unexpired (14); close: only the consumer (8).
  await chain.refused(t, ["escrow", "refund", "consumer", "1"], 14, "escrow");
  await chain.refused(t, ["escrow", "close", "faucet", "1"], 8, "escrow");
  // An id above 2^64 - 1 is refused, not wrapped to escrow 1.
  await chain.refusedByCli(t, ["escrow", "close", "consumer", (2n ** 64n + 1n).toString()], /escrow id/);
  t.like(await escrow("1"), { remaining: "4000", status: "ESCROW_STATUS_OPEN" });
  await chain.tx(t, ["escrow", "close", "consumer", "1"]);
  t.is((await escrow("1")).status, "ESCROW_STATUS_CLOSED");
  const consumerBefore = await balance(consumer.address);
  await chain.tx(t, ["escrow", "refund", "consumer", "1"]);
  t.like(await escrow("1"), { remaining: "0", status: "ESCROW_STATUS_REFUNDED" });
  t.is(await balance(consumer.address), consumerBefore + 4000n - 20000n, "4000 back, 20000 fee");
});
