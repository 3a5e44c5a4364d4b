// Escrow keeper rules and every failure case of modules/escrow/README.md, through signed txs in an
// app on the real store (4 poa validators; invariants checked after every block).
import test from "ava";
import { EscrowMode, EscrowStatus, escrow as pb } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { splitRelease } from "../../../modules/escrow/keeper.ts";
import { PLATFORM_POOL_MODULE } from "../../../modules/escrow/keys.ts";
import { DENOM } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import { addressOf } from "../poa/helpers.ts";
import {
  coin,
  DAY_SECONDS,
  DEVICE,
  type EscrowTestApp,
  escrowMsg,
  openedId,
  openMsg,
  sharedDevice,
  startEscrowApp,
} from "./helpers.ts";

const FEE = 10_000n;
const ESCROW_ACCOUNT = moduleAddress("escrow");
const POOL = moduleAddress(PLATFORM_POOL_MODULE);

/** Wallet roles: 0-3 operate validators v0-v3 (v1 proposes), 4 owns the device, 5 consumes. */
async function setup(t: Parameters<typeof startEscrowApp>[0]) {
  const a = await startEscrowApp(t);
  const [o0, gateway, authority, stranger, owner, consumer] = a.operators as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  await sharedDevice(a, owner);
  return { a, o0, gateway, authority, stranger, owner, consumer };
}

const expiry = (a: EscrowTestApp, days = 30n) => a.nextTime() + days * DAY_SECONDS;

async function open(a: EscrowTestApp, consumer: string, fields: Partial<Parameters<typeof openMsg>[1]> = {}) {
  return openedId(await a.exec(consumer, [openMsg(consumer, { expiryTime: expiry(a), ...fields })]));
}

test("split: floor shares for gateway and platform, the remainder to the owner", (t) => {
  const params = { ownerBps: 8000n, gatewayBps: 1000n, platformBps: 1000n };
  t.deepEqual(splitRelease(1000n, params), [800n, 100n, 100n]);
  t.deepEqual(splitRelease(15n, params), [13n, 1n, 1n]);
  t.deepEqual(splitRelease(9n, params), [9n, 0n, 0n]);
  t.deepEqual(splitRelease(1n, { ownerBps: 0n, gatewayBps: 5000n, platformBps: 5000n }), [1n, 0n, 0n]);
});

test("open moves the deposit into the module account; queries by id, consumer and device; provable", async (t) => {
  const { a, consumer, authority } = await setup(t);
  const before = a.balance(consumer);
  const id = await open(a, consumer, { authority, deposit: "5000", price: "7", periodSeconds: 86_400n });
  t.is(id, 1n);
  t.is(a.balance(consumer), before - 5000n - FEE);
  t.is(a.balance(ESCROW_ACCOUNT), 5000n);
  const { escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    pb.QueryEscrowRequest,
    { escrowId: 1n },
    pb.QueryEscrowResponse,
  );
  t.like(escrow, {
    consumer,
    deviceId: DEVICE,
    releaseAuthority: authority,
    denom: DENOM,
    deposited: "5000",
    remaining: "5000",
  });
  t.is(escrow!.status, EscrowStatus.ESCROW_STATUS_OPEN);
  const byConsumer = await a.ask(
    "/sensorchain.escrow.v1.Query/EscrowsByConsumer",
    pb.QueryEscrowsByConsumerRequest,
    { consumer },
    pb.QueryEscrowsByConsumerResponse,
  );
  t.deepEqual(
    byConsumer.escrows.map((e) => String(e.id)),
    ["1"],
  );
  const byDevice = await a.ask(
    "/sensorchain.escrow.v1.Query/EscrowsByDevice",
    pb.QueryEscrowsByDeviceRequest,
    { deviceId: DEVICE },
    pb.QueryEscrowsByDeviceResponse,
  );
  t.deepEqual(
    byDevice.escrows.map((e) => String(e.id)),
    ["1"],
  );
  const { escrowKey } = await import("../../../modules/escrow/keys.ts");
  const proof = await a.app.query({
    path: "/store/escrow/key",
    data: escrowKey(1n),
    height: 0n,
    prove: true,
  });
  t.is(proof.code, 0, proof.log);
  t.is(proof.proofOps.length, 2);
  t.is(pb.Escrow.decode(proof.value).consumer, consumer);
  const params = await a.ask(
    "/sensorchain.escrow.v1.Query/Params",
    pb.QueryParamsRequest,
    {},
    pb.QueryParamsResponse,
  );
  t.like(params.params, { ownerBps: 8000, gatewayBps: 1000, platformBps: 1000 });
  t.is(params.authority, moduleAddress("poa"));
  t.is(params.platformPool, POOL);
  t.like(await a.askFailure("/sensorchain.escrow.v1.Query/Escrow", pb.QueryEscrowRequest, { escrowId: 9n }), {
    code: 7,
    codespace: "escrow",
  });
});

test("open refuses unknown, unshared and retired devices, bad terms and amounts", async (t) => {
  const { a, consumer, owner } = await setup(t);
  const failures: [string, object, number, string][] = [
    ["unknown device", { deviceId: "D035_0009" }, 3, "escrow"],
    ["bad device id", { deviceId: "D35-1" }, 2, "escrow"],
    ["expiry in the past", { expiryTime: 1n }, 5, "escrow"],
    ["expiry too far", { expiryTime: a.nextTime() + 11n * 366n * DAY_SECONDS }, 5, "escrow"],
    ["price in another denom", { priceDenom: "uother" }, 5, "escrow"],
    ["zero deposit", { deposit: "0" }, 6, "escrow"],
    ["bad mode", { mode: 9 }, 5, "escrow"],
    ["per reading at price 0", { mode: EscrowMode.ESCROW_MODE_PER_READING, price: "0" }, 6, "escrow"],
    ["bad authority", { authority: "sensor1xyz" }, 7, "sdk"],
    ["insufficient funds", { deposit: "999999999999" }, 5, "sdk"],
  ];
  for (const [name, fields, code, codespace] of failures) {
    const result = await a.exec(consumer, [openMsg(consumer, { expiryTime: expiry(a), ...fields })]);
    t.like(result, { code, codespace }, `${name}: ${result.log}`);
  }
  await a.exec(owner, [ownerMsg("UnshareDevice", owner, DEVICE)]);
  t.like(await a.exec(consumer, [openMsg(consumer, { expiryTime: expiry(a) })]), {
    code: 4,
    codespace: "escrow",
  });
  await a.exec(owner, [ownerMsg("RetireDevice", owner, DEVICE)]);
  t.like(await a.exec(consumer, [openMsg(consumer, { expiryTime: expiry(a) })]), {
    code: 4,
    codespace: "escrow",
  });
  t.is(a.balance(ESCROW_ACCOUNT), 0n);
});

test("at most 32 open per-reading escrows per device", async (t) => {
  const { a, consumer } = await setup(t);
  const perReading = () =>
    openMsg(consumer, {
      expiryTime: expiry(a),
      mode: EscrowMode.ESCROW_MODE_PER_READING,
      price: "1",
      deposit: "10",
    });
  for (let i = 0; i < 4; i++) {
    const eight = await a.exec(consumer, Array.from({ length: 8 }, perReading));
    t.is(eight.code, 0, eight.log);
  }
  t.like(await a.exec(consumer, [perReading()]), { code: 18, codespace: "escrow" });
  t.is((await a.exec(consumer, [escrowMsg("CloseEscrow", { consumer, escrowId: 1n })])).code, 0);
  t.is((await a.exec(consumer, [perReading()])).code, 0, "a closed one frees a place");
});

test("release by consumer and authority: 80/10/10 with the proposer's operator as gateway; withdraw", async (t) => {
  const { a, consumer, authority, gateway, owner, stranger } = await setup(t);
  const id = await open(a, consumer, { authority, deposit: "10000" });
  const result = await a.exec(authority, [
    escrowMsg("ReleaseEscrow", { signer: authority, escrowId: id, amount: coin(1000) }),
  ]);
  t.is(result.code, 0, result.log);
  const released = result.events.find((e) => e.type === "sensorchain.escrow.v1.EventEscrowReleased")!;
  t.like(Object.fromEntries(released.attributes.map((x) => [x.key, x.value])), {
    escrow_id: "1",
    owner,
    gateway,
    owner_share: `800${DENOM}`,
    gateway_share: `100${DENOM}`,
    platform_share: `100${DENOM}`,
    trigger: "manual",
  });
  t.is(a.balance(POOL), 100n);
  // The consumer releases too; an odd amount leaves its dust with the owner.
  t.is(
    (
      await a.exec(consumer, [
        escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(15) }),
      ])
    ).code,
    0,
  );
  t.is(a.balance(POOL), 101n);
  const earnings = await a.ask(
    "/sensorchain.escrow.v1.Query/Earnings",
    pb.QueryEarningsRequest,
    { address: owner },
    pb.QueryEarningsResponse,
  );
  t.deepEqual(
    earnings.amount.map((c) => [c.denom, c.amount]),
    [[DENOM, "813"]],
  );
  t.like(
    await a.exec(stranger, [escrowMsg("ReleaseEscrow", { signer: stranger, escrowId: id, amount: coin(1) })]),
    { code: 9, codespace: "escrow" },
  );
  t.like(
    await a.exec(consumer, [
      escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(8986) }),
    ]),
    { code: 12, codespace: "escrow" },
  );
  t.like(
    await a.exec(consumer, [
      escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(1, "uother") }),
    ]),
    { code: 13, codespace: "escrow" },
  );
  t.like(
    await a.exec(consumer, [
      escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: 99n, amount: coin(1) }),
    ]),
    { code: 7, codespace: "escrow" },
  );
  t.like(
    await a.exec(consumer, [escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(0) })]),
    { code: 6, codespace: "escrow" },
  );

  const ownerBefore = a.balance(owner);
  const withdrawn = await a.exec(owner, [escrowMsg("WithdrawEarnings", { owner })]);
  t.is(withdrawn.code, 0, withdrawn.log);
  t.is(a.balance(owner), ownerBefore + 813n - FEE);
  const gatewayBefore = a.balance(gateway);
  t.is((await a.exec(gateway, [escrowMsg("WithdrawEarnings", { owner: gateway })])).code, 0);
  t.is(a.balance(gateway), gatewayBefore + 101n - FEE);
  t.like(await a.exec(owner, [escrowMsg("WithdrawEarnings", { owner })]), { code: 15, codespace: "escrow" });
  t.is(a.balance(ESCROW_ACCOUNT), 10000n - 1015n);
});

test("release with no known proposer sends the gateway share to the platform pool", async (t) => {
  const { a, consumer, owner } = await setup(t);
  const id = await open(a, consumer);
  a.proposer = addressOf("nobody");
  const result = await a.exec(consumer, [
    escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(100) }),
  ]);
  t.is(result.code, 0, result.log);
  t.is(a.balance(POOL), 20n);
  const earnings = await a.ask(
    "/sensorchain.escrow.v1.Query/Earnings",
    pb.QueryEarningsRequest,
    { address: owner },
    pb.QueryEarningsResponse,
  );
  t.deepEqual(
    earnings.amount.map((c) => c.amount),
    ["80"],
  );
});

test("the owner at release time is paid after a device transfer", async (t) => {
  const { a, consumer, owner, stranger } = await setup(t);
  const id = await open(a, consumer);
  await a.exec(owner, [ownerMsg("TransferDeviceOwnership", owner, DEVICE, { newOwner: stranger })]);
  t.is(
    (
      await a.exec(consumer, [
        escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(100) }),
      ])
    ).code,
    0,
  );
  const earnings = await a.ask(
    "/sensorchain.escrow.v1.Query/Earnings",
    pb.QueryEarningsRequest,
    { address: stranger },
    pb.QueryEarningsResponse,
  );
  t.deepEqual(
    earnings.amount.map((c) => c.amount),
    ["80"],
  );
});

test("top up: consumer only, extends but never shortens the expiry, not after expiry", async (t) => {
  const { a, consumer, stranger } = await setup(t);
  const first = expiry(a, 2n);
  const id = await open(a, consumer, { expiryTime: first, deposit: "100" });
  t.like(
    await a.exec(stranger, [escrowMsg("TopUpEscrow", { consumer: stranger, escrowId: id, amount: coin(5) })]),
    { code: 8, codespace: "escrow" },
  );
  t.like(
    await a.exec(consumer, [
      escrowMsg("TopUpEscrow", { consumer, escrowId: id, amount: coin(5), expiryTime: first - 1n }),
    ]),
    { code: 5 },
  );
  t.like(
    await a.exec(consumer, [escrowMsg("TopUpEscrow", { consumer, escrowId: id, amount: coin(5, "uother") })]),
    { code: 13 },
  );
  const topped = await a.exec(consumer, [
    escrowMsg("TopUpEscrow", { consumer, escrowId: id, amount: coin(50), expiryTime: first + DAY_SECONDS }),
  ]);
  t.is(topped.code, 0, topped.log);
  const { escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    pb.QueryEscrowRequest,
    { escrowId: id },
    pb.QueryEscrowResponse,
  );
  t.like(escrow, { deposited: "150", remaining: "150" });
  t.is(String(escrow!.expiryTime), String(first + DAY_SECONDS));
  a.clockOffset += 4n * DAY_SECONDS;
  t.like(await a.exec(consumer, [escrowMsg("TopUpEscrow", { consumer, escrowId: id, amount: coin(5) })]), {
    code: 11,
    codespace: "escrow",
  });
  t.like(
    await a.exec(consumer, [escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(5) })]),
    { code: 11, codespace: "escrow" },
  );
});

test("refund: refused while open and unexpired; after close or expiry the rest returns once", async (t) => {
  const { a, consumer, stranger } = await setup(t);
  const closing = await open(a, consumer, { deposit: "1000" });
  const expiring = await open(a, consumer, { deposit: "700", expiryTime: expiry(a, 1n) });
  await a.exec(consumer, [
    escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: closing, amount: coin(100) }),
  ]);
  t.like(await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: closing })]), {
    code: 14,
    codespace: "escrow",
  });
  t.like(await a.exec(stranger, [escrowMsg("CloseEscrow", { consumer: stranger, escrowId: closing })]), {
    code: 8,
  });
  t.is((await a.exec(consumer, [escrowMsg("CloseEscrow", { consumer, escrowId: closing })])).code, 0);
  t.like(await a.exec(consumer, [escrowMsg("CloseEscrow", { consumer, escrowId: closing })]), { code: 10 });
  t.like(
    await a.exec(consumer, [
      escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: closing, amount: coin(1) }),
    ]),
    { code: 10 },
  );
  t.like(
    await a.exec(consumer, [escrowMsg("TopUpEscrow", { consumer, escrowId: closing, amount: coin(1) })]),
    { code: 10 },
  );
  let before = a.balance(consumer);
  const refunded = await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: closing })]);
  t.is(refunded.code, 0, refunded.log);
  t.is(a.balance(consumer), before + 900n - FEE);
  t.like(await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: closing })]), { code: 19 });
  t.like(await a.exec(stranger, [escrowMsg("RefundEscrow", { consumer: stranger, escrowId: expiring })]), {
    code: 8,
  });
  t.like(await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: expiring })]), { code: 14 });
  a.clockOffset += 2n * DAY_SECONDS;
  before = a.balance(consumer);
  t.is((await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: expiring })])).code, 0);
  t.is(a.balance(consumer), before + 700n - FEE);
  const { escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    pb.QueryEscrowRequest,
    { escrowId: expiring },
    pb.QueryEscrowResponse,
  );
  t.is(escrow!.status, EscrowStatus.ESCROW_STATUS_REFUNDED);
  t.is(escrow!.remaining, "0");
  t.is(a.balance(ESCROW_ACCOUNT), 90n, "only the unwithdrawn earnings remain (owner 80, gateway 10)");
});

test("params and platform pool: only the authority; shares must sum to 10,000", async (t) => {
  const a = await startEscrowApp(t);
  const [o0, , , , owner, consumer] = a.operators as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  t.like(
    await a.exec(o0, [
      escrowMsg("UpdateParams", {
        authority: o0,
        params: { ownerBps: 7000, gatewayBps: 2000, platformBps: 1000 },
      }),
    ]),
    { code: 16, codespace: "escrow" },
  );
  t.like(
    await a.exec(o0, [
      escrowMsg("UpdateParams", {
        authority: o0,
        params: { ownerBps: 7000, gatewayBps: 2000, platformBps: 2000 },
      }),
    ]),
    { code: 17, codespace: "escrow" },
  );
  t.like(
    await a.exec(o0, [escrowMsg("SpendPlatformPool", { authority: o0, recipient: o0, amount: [coin(1)] })]),
    { code: 16 },
  );
  // An app whose genesis names wallet 0 as authority.
  const exported = await a.app.exportGenesis();
  const b = await startEscrowApp(t, {
    appState: { ...exported, escrow: { ...(exported.escrow as object), authority: o0 } },
  });
  await sharedDevice(b, owner);
  t.is(
    (
      await b.exec(o0, [
        escrowMsg("UpdateParams", {
          authority: o0,
          params: { ownerBps: 7000, gatewayBps: 2000, platformBps: 1000 },
        }),
      ])
    ).code,
    0,
  );
  const id = openedId(
    await b.exec(consumer, [openMsg(consumer, { expiryTime: b.nextTime() + DAY_SECONDS })]),
  );
  await b.exec(consumer, [
    escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(1000) }),
  ]);
  t.is(b.balance(POOL), 100n);
  const before = b.balance(owner);
  const spent = await b.exec(o0, [
    escrowMsg("SpendPlatformPool", { authority: o0, recipient: owner, amount: [coin(60)] }),
  ]);
  t.is(spent.code, 0, spent.log);
  t.is(b.balance(owner), before + 60n);
  t.is(b.balance(POOL), 40n);
  t.like(
    await b.exec(o0, [
      escrowMsg("SpendPlatformPool", { authority: o0, recipient: owner, amount: [coin(41)] }),
    ]),
    { code: 5, codespace: "sdk" },
  );
});
