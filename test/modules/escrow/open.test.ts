// Escrow keeper rules for opening, topping up and refunding escrows, and their failure cases of
// modules/escrow/README.md, through signed txs in an app on the real store (4 poa validators;
// invariants checked after every block).
import test from "ava";
import { EscrowMode, EscrowStatus, escrow as pb } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { DENOM } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import {
  coin,
  DAY_SECONDS,
  DEVICE,
  ESCROW_ACCOUNT,
  escrowMsg,
  escrowRoles,
  expiry,
  FEE,
  openEscrow,
  openMsg,
  POOL,
} from "./helpers.ts";

test("open moves the deposit into the module account; queries by id, consumer and device; provable", async (t) => {
  const { a, consumer, authority } = await escrowRoles(t);
  const before = a.balance(consumer);
  const id = await openEscrow(a, consumer, {
    authority,
    deposit: "5000",
    price: "7",
    periodSeconds: 86_400n,
  });
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
  const { a, consumer, owner } = await escrowRoles(t);
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
  const { a, consumer } = await escrowRoles(t);
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

test("top up: consumer only, extends but never shortens the expiry, not after expiry", async (t) => {
  const { a, consumer, stranger } = await escrowRoles(t);
  const first = expiry(a, 2n);
  const id = await openEscrow(a, consumer, { expiryTime: first, deposit: "100" });
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
  const { a, consumer, stranger } = await escrowRoles(t);
  const closing = await openEscrow(a, consumer, { deposit: "1000" });
  const expiring = await openEscrow(a, consumer, { deposit: "700", expiryTime: expiry(a, 1n) });
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
