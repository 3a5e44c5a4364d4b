// Escrow command terms (modules/escrow/README.md, Command terms): the price pays for the command
// window at open (80/10/10, the proposer's operator as gateway), EventCommandPaid carries the window
// in block time, the ActiveCommands query lists windows not yet over, every bad term is refused with
// code 20 and changes nothing, and genesis export → import keeps the terms and the app hash.
import test from "ava";
import { escrow as pb, QUERY_ACTIVE_COMMANDS } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { MAX_COMMAND_DURATION_SECONDS, MAX_COMMAND_PAYLOAD_BYTES } from "../../../modules/escrow/keys.ts";
import { EVENT_COMMAND_PAID } from "../../../modules/escrow/type-urls.ts";
import { DENOM } from "../../helpers/app.ts";
import {
  DAY_SECONDS,
  DEVICE,
  type EscrowTestApp,
  escrowMsg,
  openedId,
  openMsg,
  sharedDevice,
  startEscrowApp,
} from "./helpers.ts";

const ESCROW_ACCOUNT = moduleAddress("escrow");
const LIGHT_ON = new TextEncoder().encode('{"light":"on","lux":800}');

/** Wallet roles as in keeper.test.ts: 1 operates the proposer, 4 owns the device, 5 consumes. */
async function setup(t: Parameters<typeof startEscrowApp>[0]) {
  const a = await startEscrowApp(t);
  const [, gateway, , , owner, consumer] = a.operators as string[];
  await sharedDevice(a, owner!);
  return { a, gateway: gateway!, owner: owner!, consumer: consumer! };
}

function commandOpen(
  a: EscrowTestApp,
  consumer: string,
  command: object | undefined,
  fields: Partial<Parameters<typeof openMsg>[1]> = {},
) {
  const msg = openMsg(consumer, {
    expiryTime: a.nextTime() + DAY_SECONDS,
    deposit: "5000",
    price: "1000",
    ...fields,
  });
  return { ...msg, value: { ...(msg.value as object), ...(command === undefined ? {} : { command }) } };
}

const attributesOf = (event: { attributes: readonly { key: string; value: string }[] }) =>
  Object.fromEntries(event.attributes.map((x) => [x.key, x.value]));

async function activeCommands(a: EscrowTestApp, endsAfter: bigint, pagination?: object) {
  return a.ask(
    QUERY_ACTIVE_COMMANDS,
    pb.QueryActiveCommandsRequest,
    { endsAfter, ...(pagination === undefined ? {} : { pagination }) },
    pb.QueryActiveCommandsResponse,
  );
}

test("a command escrow pays its price at open and announces the window in block time", async (t) => {
  const { a, gateway, owner, consumer } = await setup(t);
  const openTime = a.nextTime();
  const result = await a.exec(consumer, [
    commandOpen(a, consumer, { payload: LIGHT_ON, durationSeconds: 300n }),
  ]);
  const id = openedId(result);
  const paid = result.events.find((e) => e.type === EVENT_COMMAND_PAID);
  t.truthy(paid);
  t.deepEqual(attributesOf(paid!), {
    escrow_id: String(id),
    consumer,
    device_id: DEVICE,
    payload: Buffer.from(LIGHT_ON).toString("base64"),
    duration_seconds: "300",
    from_time: String(openTime),
    until_time: String(openTime + 300n),
    msg_index: "0",
  });
  const released = result.events.find((e) => e.type === "sensorchain.escrow.v1.EventEscrowReleased");
  t.like(attributesOf(released!), {
    trigger: "command",
    owner,
    gateway,
    amount: `1000${DENOM}`,
    owner_share: `800${DENOM}`,
  });
  // 4,000 of the 5,000 stay in escrow; the gateway's 100 and the owner's 800 are earnings there too.
  t.is(a.balance(ESCROW_ACCOUNT), 4000n + 800n + 100n);
  const { escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    pb.QueryEscrowRequest,
    { escrowId: id },
    pb.QueryEscrowResponse,
  );
  t.like(escrow, { released: "1000", remaining: "4000" });
  t.deepEqual(Uint8Array.from(escrow!.command!.payload ?? []), LIGHT_ON);
  t.is(String(escrow!.command!.durationSeconds), "300");
});

test("ActiveCommands lists windows that end after a time, by end time, in key pages", async (t) => {
  const { a, consumer } = await setup(t);
  const ends: bigint[] = [];
  for (const duration of [500n, 100n, 300n]) {
    ends.push(a.nextTime() + duration);
    openedId(
      await a.exec(consumer, [commandOpen(a, consumer, { payload: LIGHT_ON, durationSeconds: duration })]),
    );
  }
  await a.exec(consumer, [openMsg(consumer, { expiryTime: a.nextTime() + DAY_SECONDS })]); // no command
  const all = await activeCommands(a, 0n);
  t.deepEqual(
    all.escrows.map((e) => String(e.id)),
    ["2", "3", "1"],
    "by end time",
  );
  t.deepEqual(
    (await activeCommands(a, ends[1]!)).escrows.map((e) => String(e.id)),
    ["3", "1"],
    "a window ending exactly at ends_after is over",
  );
  t.deepEqual((await activeCommands(a, ends[0]!)).escrows, []);
  const first = await activeCommands(a, 0n, { limit: 2n });
  t.deepEqual(
    first.escrows.map((e) => String(e.id)),
    ["2", "3"],
  );
  const second = await activeCommands(a, 0n, { key: first.pagination!.nextKey, limit: 2n });
  t.deepEqual(
    second.escrows.map((e) => String(e.id)),
    ["1"],
  );
  t.is(second.pagination!.nextKey?.length ?? 0, 0);
  const refused = await a.askFailure(QUERY_ACTIVE_COMMANDS, pb.QueryActiveCommandsRequest, {
    endsAfter: 0n,
    pagination: { offset: 1n },
  });
  t.like(refused, { code: 18, codespace: "sdk" });
});

test("bad command terms are refused with code 20 and change nothing", async (t) => {
  const { a, consumer } = await setup(t);
  const before = a.balance(ESCROW_ACCOUNT);
  const ok = { payload: LIGHT_ON, durationSeconds: 60n };
  const failures: [string, object, Partial<Parameters<typeof openMsg>[1]>][] = [
    ["empty payload", { ...ok, payload: new Uint8Array(0) }, {}],
    ["payload too long", { ...ok, payload: new Uint8Array(MAX_COMMAND_PAYLOAD_BYTES + 1).fill(1) }, {}],
    ["zero duration", { ...ok, durationSeconds: 0n }, {}],
    ["duration too long", { ...ok, durationSeconds: MAX_COMMAND_DURATION_SECONDS + 1n }, {}],
    ["per-reading mode", ok, { mode: pb.EscrowMode.ESCROW_MODE_PER_READING }],
    ["no price", ok, { price: "0" }],
    ["price above the deposit", ok, { price: "5001" }],
  ];
  for (const [name, command, fields] of failures) {
    const result = await a.exec(consumer, [commandOpen(a, consumer, command, fields)]);
    t.like(result, { code: 20, codespace: "escrow" }, `${name}: ${result.log}`);
  }
  t.is(a.balance(ESCROW_ACCOUNT), before);
  t.deepEqual((await activeCommands(a, 0n)).escrows, []);
  const longest = await a.exec(consumer, [
    commandOpen(a, consumer, {
      payload: new Uint8Array(MAX_COMMAND_PAYLOAD_BYTES).fill(7),
      durationSeconds: MAX_COMMAND_DURATION_SECONDS,
    }),
  ]);
  t.is(longest.code, 0, `the limits themselves are allowed: ${longest.log}`);
});

test("closing or refunding the rest does not take back a paid command", async (t) => {
  const { a, consumer } = await setup(t);
  const id = openedId(
    await a.exec(consumer, [commandOpen(a, consumer, { payload: LIGHT_ON, durationSeconds: 600n })]),
  );
  t.is((await a.exec(consumer, [escrowMsg("CloseEscrow", { consumer, escrowId: id })])).code, 0);
  const before = a.balance(consumer);
  const refund = await a.exec(consumer, [escrowMsg("RefundEscrow", { consumer, escrowId: id })]);
  t.is(refund.code, 0, refund.log);
  t.is(a.balance(consumer), before + 4000n - 10_000n, "the rest minus the fee; the price stays paid");
  t.deepEqual(
    (await activeCommands(a, 0n)).escrows.map((e) => String(e.id)),
    [String(id)],
  );
});

test("genesis export → import keeps command terms, the index and the app hash", async (t) => {
  const { a, consumer } = await setup(t);
  openedId(await a.exec(consumer, [commandOpen(a, consumer, { payload: LIGHT_ON, durationSeconds: 90n })]));
  const exported = await a.app.exportGenesis();
  const [record] = (exported.escrow as { escrows: { command?: object }[] }).escrows;
  t.deepEqual(record!.command, { payload: Buffer.from(LIGHT_ON).toString("base64"), duration_seconds: "90" });
  const b = await startEscrowApp(t, { appState: JSON.parse(JSON.stringify(exported)) });
  t.deepEqual((await b.app.info()).lastBlockAppHash, (await a.app.info()).lastBlockAppHash);
  t.deepEqual(await b.app.exportGenesis(), exported);
  t.deepEqual(await b.app.checkInvariants(), []);
  t.deepEqual(
    (await activeCommands(b, 0n)).escrows.map((e) => String(e.id)),
    ["1"],
  );
  // A bad command record in genesis is refused by name.
  const bad = JSON.parse(JSON.stringify(exported));
  bad.escrow.escrows[0].command.duration_seconds = "0";
  const error = await t.throwsAsync(startEscrowApp(t, { appState: bad }));
  t.regex(error.message, /escrows\[0\]\.command/);
});
