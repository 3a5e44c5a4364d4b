// The paid command schedule in process (bridge-mqtt/commands/paid-commands.ts): real LevelDB in a temp
// dir, committed Tx events fed through the subscribe interface, the broker writes recorded through the
// CommandPublisher interface. Overlapping windows of one device keep the later one retained after the
// first ends; late and malformed events send nothing; a restarted schedule sends "on" again and "off"
// when due, and LevelDB is empty once every window is off.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { PaidCommands } from "../../bridge-mqtt/commands/paid-commands.ts";
import type { CommandPublisher } from "../../bridge-mqtt/commands/publisher.ts";
import { commandsTopic } from "../../bridge-mqtt/topics.ts";
import type { ExecTxResult } from "../../chain/app/abci.ts";
import { KEYSPACE } from "../../chain/db-keyspace.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { escrow as pb } from "../../client/index.ts";
import { EVENT_COMMAND_PAID } from "../../modules/escrow/type-urls.ts";

const DEVICE = "D035_0701";
const silent = { info() {}, warn() {}, error() {} };

interface Write {
  kind: "publish" | "retained";
  topic: string;
  message: Record<string, unknown> | undefined;
  retain?: boolean;
}

function recordingPublisher() {
  const writes: Write[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const record = (write: Write) => {
    writes.push(write);
    for (const waiter of [...waiters])
      if (writes.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  const decode = (payload: Uint8Array) =>
    payload.length === 0
      ? undefined
      : (JSON.parse(Buffer.from(payload).toString()) as Record<string, unknown>);
  const publisher: CommandPublisher = {
    publish: async (topic, payload, retain) =>
      record({ kind: "publish", topic, message: decode(payload), retain }),
    setRetained: async (topic, payload) => record({ kind: "retained", topic, message: decode(payload) }),
  };
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      if (writes.length >= count) resolve();
      else waiters.push({ count, resolve });
    });
  return { publisher, writes, until };
}

function paidEvent(
  escrowId: number,
  fromMs: number,
  untilMs: number,
  extra: Record<string, string> = {},
): NodeEvent {
  const attributes = {
    escrow_id: String(escrowId),
    consumer: "sensor1consumer",
    device_id: DEVICE,
    payload: Buffer.from(`cmd-${escrowId}`).toString("base64"),
    duration_seconds: String((untilMs - fromMs) / 1000),
    from_time: String(fromMs / 1000),
    until_time: String(untilMs / 1000),
    ...extra,
  };
  const result: ExecTxResult = {
    code: 0,
    data: new Uint8Array(0),
    log: "",
    info: "",
    gasWanted: 0n,
    gasUsed: 0n,
    codespace: "",
    events: [
      {
        type: EVENT_COMMAND_PAID,
        attributes: Object.entries(attributes).map(([key, value]) => ({ key, value, index: true })),
      },
    ],
  };
  return { type: "Tx", height: 5n, index: 0, tx: new Uint8Array(0), result };
}

async function withDb(t: import("ava").ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-paid-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  t.teardown(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return db;
}

const noActiveCommands = async () => ({
  code: 0,
  value: pb.QueryActiveCommandsResponse.encode({}).finish(),
});

async function scheduleKeys(db: ClassicLevel<Uint8Array, Uint8Array>): Promise<number> {
  let count = 0;
  for await (const _ of db.keys({
    gte: Uint8Array.of(KEYSPACE.bridgeCommands),
    lt: Uint8Array.of(KEYSPACE.bridgeCommands + 1),
    keyEncoding: "view",
  }))
    count++;
  return count;
}

/** Whole seconds, since windows are block time in seconds. */
const second = (ms: number) => Math.ceil(ms / 1000) * 1000;

test("overlapping windows: the later stays retained after the first ends; late and malformed events send nothing", async (t) => {
  t.timeout(30_000);
  const db = await withDb(t);
  const { publisher, writes, until } = recordingPublisher();
  let emit: (event: NodeEvent) => void = () => {};
  const commands = new PaidCommands({
    db,
    query: noActiveCommands,
    subscribe: (listener) => {
      emit = listener;
      return () => {};
    },
    publisher,
    now: Date.now,
    logger: silent,
  });
  await commands.start();
  t.teardown(() => commands.stop());
  const start = second(Date.now());
  emit(paidEvent(1, start - 1000, start + 1000));
  emit(paidEvent(2, start, start + 2000));
  emit(paidEvent(3, start - 10_000, start - 5_000)); // over before it was learned
  emit(paidEvent(4, start, start + 2000, { payload: "@@not base64" }));
  emit(paidEvent(5, start, start + 2000, { device_id: "../../x" }));
  await until(6);
  await commands.idle();
  const topic = commandsTopic(DEVICE);
  t.deepEqual(
    writes.map((w) => [w.kind, w.topic, w.message?.escrow_id, w.message?.state, w.retain]),
    [
      ["publish", topic, "1", "on", true],
      ["publish", topic, "2", "on", true],
      ["publish", topic, "1", "off", false],
      ["retained", topic, "2", "on", undefined],
      ["publish", topic, "2", "off", false],
      ["retained", topic, undefined, undefined, undefined],
    ],
  );
  t.like(writes[0]!.message, {
    payload: Buffer.from("cmd-1").toString("base64"),
    from_ms: start - 1000,
    until_ms: start + 1000,
  });
  t.like(commands.counters, { scheduled: 2, on: 2, off: 2, late: 1, dropped: 2 });
  t.is(await scheduleKeys(db), 0);
  t.deepEqual(commands.active, []);
});

test("a restarted schedule sends 'on' again from LevelDB and 'off' when due", async (t) => {
  t.timeout(30_000);
  const db = await withDb(t);
  const first = recordingPublisher();
  let emit: (event: NodeEvent) => void = () => {};
  const before = new PaidCommands({
    db,
    query: noActiveCommands,
    subscribe: (listener) => {
      emit = listener;
      return () => {};
    },
    publisher: first.publisher,
    now: Date.now,
    logger: silent,
  });
  await before.start();
  const start = second(Date.now());
  emit(paidEvent(7, start, start + 3000));
  await first.until(1);
  await before.stop();
  t.is(await scheduleKeys(db), 1, "kept for the next start");

  const second_ = recordingPublisher();
  const after = new PaidCommands({
    db,
    query: noActiveCommands,
    subscribe: () => () => {},
    publisher: second_.publisher,
    now: Date.now,
    logger: silent,
  });
  await after.start();
  t.teardown(() => after.stop());
  t.deepEqual(
    after.active.map((c) => String(c.escrowId)),
    ["7"],
  );
  await second_.until(3);
  await after.idle();
  t.deepEqual(
    second_.writes.map((w) => [w.kind, w.message?.escrow_id, w.message?.state]),
    [
      ["publish", "7", "on"],
      ["publish", "7", "off"],
      ["retained", undefined, undefined],
    ],
  );
  t.is(await scheduleKeys(db), 0);
});
