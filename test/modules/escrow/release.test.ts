// Escrow keeper rules for releases (the 80/10/10 split, the gateway, the owner at release time),
// params and the platform pool, and their failure cases of modules/escrow/README.md, through signed txs in an app on the real store (4 poa validators;
// invariants checked after every block).
import test from "ava";
import { splitRelease } from "../../../modules/escrow/keeper.ts";
import { DENOM, type SixAddresses } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import { addressOf } from "../poa/helpers.ts";
import {
  coin,
  DAY_SECONDS,
  DEVICE,
  ESCROW_ACCOUNT,
  earningsOf,
  escrowMsg,
  escrowRoles,
  FEE,
  openEscrow,
  openedId,
  openMsg,
  POOL,
  sharedDevice,
  startEscrowApp,
} from "./helpers.ts";

test("split: floor shares for gateway and platform, the remainder to the owner", (t) => {
  const params = { ownerBps: 8000n, gatewayBps: 1000n, platformBps: 1000n };
  t.deepEqual(splitRelease(1000n, params), [800n, 100n, 100n]);
  t.deepEqual(splitRelease(15n, params), [13n, 1n, 1n]);
  t.deepEqual(splitRelease(9n, params), [9n, 0n, 0n]);
  t.deepEqual(splitRelease(1n, { ownerBps: 0n, gatewayBps: 5000n, platformBps: 5000n }), [1n, 0n, 0n]);
});

test("release by consumer and authority: 80/10/10 with the proposer's operator as gateway; withdraw", async (t) => {
  const { a, consumer, authority, gateway, owner, stranger } = await escrowRoles(t);
  const id = await openEscrow(a, consumer, { authority, deposit: "10000" });
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
  t.deepEqual(
    (await earningsOf(a, owner)).map((c) => [c.denom, c.amount]),
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
  const { a, consumer, owner } = await escrowRoles(t);
  const id = await openEscrow(a, consumer);
  a.proposer = addressOf("nobody");
  const result = await a.exec(consumer, [
    escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(100) }),
  ]);
  t.is(result.code, 0, result.log);
  t.is(a.balance(POOL), 20n);
  t.deepEqual(
    (await earningsOf(a, owner)).map((c) => c.amount),
    ["80"],
  );
});

test("the owner at release time is paid after a device transfer", async (t) => {
  const { a, consumer, owner, stranger } = await escrowRoles(t);
  const id = await openEscrow(a, consumer);
  await a.exec(owner, [ownerMsg("TransferDeviceOwnership", owner, DEVICE, { newOwner: stranger })]);
  t.is(
    (
      await a.exec(consumer, [
        escrowMsg("ReleaseEscrow", { signer: consumer, escrowId: id, amount: coin(100) }),
      ])
    ).code,
    0,
  );
  t.deepEqual(
    (await earningsOf(a, stranger)).map((c) => c.amount),
    ["80"],
  );
});

test("params and platform pool: only the authority; shares must sum to 10,000", async (t) => {
  const a = await startEscrowApp(t);
  const [o0, , , , owner, consumer] = a.operators as SixAddresses;
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
