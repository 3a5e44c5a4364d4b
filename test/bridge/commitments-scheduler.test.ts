// The daily-commitment scheduler's decisions against the real application (auth, bank, poa with four
// validators of power 10 operated by wallets 0-3, device, escrow, meter on a temp LevelDB): each
// validator has its own LevelDB and reading store and signs with its operator key through the real
// tx sender (auth query, simulation, min gas price fee, checkTx); blocks are produced in-process
// from what checkTx admitted and their Tx events are delivered as the node delivers them. Covers
// designated submit + attest to finality, the next submitter in turn, repair then attest, a recorded
// conflict, a restart that votes nothing twice, and a sequence that moved under the sender.
import type { ExecutionContext } from "ava";
import test from "ava";
import type { ClassicLevel } from "classic-level";
import { designatedSubmitter, submitterTurn } from "../../bridge-mqtt/commitments/decide.ts";
import { operatorKeyFromPrivateKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { isDayDone } from "../../bridge-mqtt/commitments/progress-store.ts";
import { CommitmentScheduler } from "../../bridge-mqtt/commitments/scheduler.ts";
import { CommitmentTxSender } from "../../bridge-mqtt/commitments/tx-sender.ts";
import { type ReadingStore, readingKey } from "../../bridge-mqtt/reading-store.ts";
import type { CheckTxResponse } from "../../chain/app/abci.ts";
import { deriveKey } from "../../chain/crypto/mnemonic.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import { meter as meterPb } from "../../client/index.ts";
import { readingsRoot } from "../../light-client/reading-inclusion.ts";
import { encodeReading, type Reading } from "../../modules/meter/reading.ts";
import { MNEMONIC } from "../helpers/app.ts";
import { DEVICE, type EscrowTestApp, sharedDevice, startEscrowApp } from "../modules/escrow/helpers.ts";
import { openReadingStore } from "./reading-store-helpers.ts";

const silent = process.env["BRIDGE_DEBUG"]
  ? { info: console.log, warn: console.log, error: console.log }
  : { info() {}, warn() {}, error() {} };
const DAY_MS = 86_400_000n;
/** Long enough that no test reaches it unless it means to. */
const FALLBACK_MS = 60_000;

/** The app's chain seen by a bridge: queries, checkTx into a mempool, blocks with Tx events. */
class InProcessChain {
  readonly a: EscrowTestApp;
  readonly #listeners = new Set<(event: NodeEvent) => void>();
  #mempool: Uint8Array[] = [];
  #producing: Promise<void> = Promise.resolve();

  constructor(a: EscrowTestApp) {
    this.a = a;
  }

  query = async (path: string, data: Uint8Array) => {
    const response = await this.a.app.query({ path, data, height: 0n, prove: false });
    return { code: response.code, value: response.value, log: response.log, codespace: response.codespace };
  };

  submitTx = async (tx: Uint8Array): Promise<CheckTxResponse> => {
    const response = await this.a.app.checkTx({ tx, type: "new" });
    if (response.code === 0) {
      this.#mempool.push(tx);
      this.#producing = this.#producing.then(() => this.#block());
    }
    return response;
  };

  subscribe = (listener: (event: NodeEvent) => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  async #block(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // submitTx's caller sees its answer first
    const txs = this.#mempool.splice(0);
    if (txs.length === 0) return;
    const response = await this.a.finalize(txs);
    response.txResults.forEach((result, index) => {
      for (const listener of this.#listeners)
        listener({ type: "Tx", height: this.a.height, index, tx: txs[index]!, result });
    });
  }
}

interface Validator {
  index: number;
  operator: string;
  db: ClassicLevel<Uint8Array, Uint8Array>;
  store: ReadingStore;
  sender: CommitmentTxSender;
  scheduler(options?: {
    now?: number;
    repairDay?: (deviceId: string, day: bigint) => Promise<unknown>;
  }): CommitmentScheduler;
}

async function validator(
  t: ExecutionContext,
  chain: InProcessChain,
  index: number,
  dueNow: number,
): Promise<Validator> {
  const key = operatorKeyFromPrivateKey(
    deriveKey(MNEMONIC, { hdPath: `m/44'/118'/0'/0/${index}` }).privateKey,
  );
  t.is(key.address, chain.a.operators[index]!);
  const { store, db } = await openReadingStore(t, "sensorchain-commit-");
  const sender = new CommitmentTxSender({
    key,
    chainId: chain.a.app.chainId,
    query: chain.query,
    submitTx: chain.submitTx,
    subscribe: chain.subscribe,
    minimumGasPrices: "0.025usensor",
  });
  return {
    index,
    operator: key.address,
    db,
    store,
    sender,
    scheduler: (options = {}) =>
      new CommitmentScheduler({
        db,
        store,
        query: chain.query,
        sender,
        subscribe: chain.subscribe,
        now: () => options.now ?? dueNow,
        graceMs: 0,
        logger: silent,
        submitFallbackMs: FALLBACK_MS,
        ...(options.repairDay === undefined ? {} : { repairDay: options.repairDay }),
      }),
  };
}

function readingsOf(day: bigint, sequences: readonly bigint[]): Reading[] {
  return sequences.map((sequence) => ({
    deviceId: DEVICE,
    sequence,
    timestampMs: day * DAY_MS + sequence * 1_000n,
    values: [{ name: "energy", unit: "kWh", value: `${sequence}.5` }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(64).fill(Number(sequence)),
  }));
}

async function store(v: Validator, readings: readonly Reading[]): Promise<void> {
  for (const reading of readings) {
    if (!(await v.store.reserveWhenLoaded(reading.deviceId, reading.sequence))) throw new Error("replay");
    await v.store.append(reading);
  }
}

/** An app whose clock is past the end of the readings' day; four validators; the device registered. */
async function setup(t: ExecutionContext) {
  const a = await startEscrowApp(t);
  await sharedDevice(a, a.operators[4]!);
  const day = a.nextTime() / 86_400n;
  a.clockOffset += (day + 1n) * 86_400n - a.nextTime() + 60n;
  await a.finalize([]); // simulations run at the last block's time: past the day's end
  const chain = new InProcessChain(a);
  const dueNow = Number((day + 1n) * DAY_MS) + 1_000;
  const validators: Validator[] = [];
  for (let i = 0; i < 4; i++) validators.push(await validator(t, chain, i, dueNow));
  const designated = validators.find(
    (v) => v.operator === designatedSubmitter(a.operators.slice(0, 4), DEVICE, day),
  )!;
  const others = validators.filter((v) => v !== designated);
  return { a, chain, day, dueNow, validators, designated, others };
}

async function status(chain: InProcessChain, day: bigint) {
  const response = await chain.query(
    "/sensorchain.meter.v1.Query/Status",
    meterPb.QueryStatusRequest.encode({ deviceId: DEVICE, day: Number(day) }).finish(),
  );
  return meterPb.QueryStatusResponse.decode(response.value);
}

test("the designated validator submits, the others wait for it and then attest; the day is final", async (t) => {
  const { chain, day, validators, designated, others } = await setup(t);
  const readings = readingsOf(day, [1n, 2n, 3n, 4n, 5n]);
  for (const v of validators) await store(v, readings);

  const early = others[0]!.scheduler();
  await early.runPass();
  t.like(early.counters, { submits: 0, attests: 0 }, "not designated: waits for the designated submitter");
  t.is((await status(chain, day)).candidates.length, 0);

  const first = designated.scheduler();
  await first.runPass();
  t.is(first.counters.submits, 1);
  let current = await status(chain, day);
  t.is(current.candidates.length, 1);
  t.deepEqual(current.candidates[0]!.candidate!.attesters, [designated.operator]);

  const attesters = others.map((v) => v.scheduler());
  for (const scheduler of attesters) await scheduler.runPass();
  current = await status(chain, day);
  t.true(current.final);
  t.deepEqual(Uint8Array.from(current.commitment!.body!.root!), readingsRoot(readings.map(encodeReading)));
  t.is(String(current.commitment!.body!.count), "5");
  t.is(
    attesters.reduce((sum, s) => sum + s.counters.attests, 0),
    2,
    "2 attests after the submit: 30 of 40 is above 2/3; the last one finds the day final",
  );
  t.is(
    attesters.reduce((sum, s) => sum + s.counters.submits, 0),
    0,
  );

  // A restarted scheduler on the same LevelDB sends nothing and marks the day done.
  for (const v of validators) {
    const restarted = v.scheduler();
    await restarted.runPass();
    t.like(restarted.counters, { submits: 0, attests: 0, txFailed: 0 });
    t.true(await isDayDone(v.db, day), `validator ${v.index}: day done`);
  }
});

test("without word from the designated submitter, the next validator in turn submits after one fallback wait", async (t) => {
  const { a, chain, day, dueNow, others } = await setup(t);
  const readings = readingsOf(day, [1n, 2n]);
  for (const v of others) await store(v, readings);
  const turnOf = (v: Validator) => submitterTurn(a.operators.slice(0, 4), v.operator, DEVICE, day)!;
  const next = others.find((v) => turnOf(v) === 1)!;
  const after = others.find((v) => turnOf(v) === 2)!;
  const waiting = next.scheduler();
  await waiting.runPass();
  t.is(waiting.counters.submits, 0, "its turn has not come at the due time");
  const third = after.scheduler({ now: dueNow + FALLBACK_MS });
  await third.runPass();
  t.is(third.counters.submits, 0, "turn 2 waits two fallback periods");
  const late = next.scheduler({ now: dueNow + FALLBACK_MS });
  await late.runPass();
  t.is(late.counters.submits, 1);
  for (const v of others.filter((o) => o !== next)) await v.scheduler().runPass();
  t.true((await status(chain, day)).final, "3 of 4 validators: final without the designated one");
});

test("a validator missing a reading repairs from its peers and attests; one that cannot repair records a conflict", async (t) => {
  const { chain, day, designated, others } = await setup(t);
  const full = readingsOf(day, [1n, 2n, 3n, 4n]);
  const gap = full.filter((r) => r.sequence !== 3n);
  await store(designated, full);
  const [repairing, stuck] = others as [Validator, Validator];
  await store(repairing, gap);
  await store(stuck, gap);
  await designated.scheduler().runPass();

  const repairs: string[] = [];
  const repaired = repairing.scheduler({
    repairDay: async (deviceId, repairDay) => {
      repairs.push(`${deviceId}/${repairDay}`);
      // What the repair protocol does: store the peer's readings this node lacks.
      await repairing.store.append(full.find((r) => r.sequence === 3n)!);
    },
  });
  await repaired.runPass();
  t.deepEqual(repairs, [`${DEVICE}/${day}`]);
  t.like(repaired.counters, { repairs: 1, attests: 1, submits: 0, conflicts: 0 });

  const conflicted = stuck.scheduler({ repairDay: async () => 0 });
  await conflicted.runPass();
  t.like(conflicted.counters, { repairs: 1, submits: 1, conflicts: 1 });
  const current = await status(chain, day);
  t.false(current.final, "20 of 40 behind the full set, 10 behind the gap");
  t.is(current.candidates.length, 2);
  const conflicts = meterPb.QueryConflictsResponse.decode(
    (
      await chain.query(
        "/sensorchain.meter.v1.Query/Conflicts",
        meterPb.QueryConflictsRequest.encode({}).finish(),
      )
    ).value,
  );
  t.is(conflicts.conflicts.length, 1);
});

const selfSend = (address: string) => ({
  typeUrl: "/cosmos.bank.v1beta1.MsgSend",
  value: { fromAddress: address, toAddress: address, amount: [{ denom: "usensor", amount: "1" }] },
});

test("the sender re-reads its sequence when another tx of the same key got in first", async (t) => {
  const { a, chain, day, designated } = await setup(t);
  await store(designated, readingsOf(day, [1n]));
  // The sender caches its account after a first tx; then the key spends a sequence elsewhere.
  const first = await designated.sender.send([selfSend(designated.operator)]);
  t.is(first.result.code, 0, first.result.log);
  t.is((await a.exec(designated.operator, [selfSend(designated.operator)])).code, 0);
  const scheduler = designated.scheduler();
  await scheduler.runPass();
  t.like(scheduler.counters, { submits: 1, txFailed: 0 });
  t.is((await status(chain, day)).candidates.length, 1);
});

test("a validator with no readings of a device-day learns of it from the submit event, repairs and attests", async (t) => {
  const { chain, day, designated, others } = await setup(t);
  const readings = readingsOf(day, [1n, 2n, 3n]);
  await store(designated, readings);
  const [cutOff] = others as [Validator];
  const repairs: string[] = [];
  const listening = cutOff.scheduler({
    repairDay: async (deviceId, repairDay) => {
      repairs.push(`${deviceId}/${repairDay}`);
      await store(cutOff, readings);
    },
  });
  listening.start();
  t.teardown(() => listening.stop());
  await designated.scheduler().runPass();
  for (let waited = 0; listening.counters.attests === 0 && waited < 200; waited++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(repairs, [`${DEVICE}/${day}`]);
  t.like(listening.counters, { repairs: 1, attests: 1, submits: 0, conflicts: 0 });
  const current = await status(chain, day);
  t.deepEqual(current.candidates[0]!.candidate!.attesters, [designated.operator, cutOff.operator]);
});

test("a device-day whose stored reading does not decode is skipped and logged; the others are committed", async (t) => {
  const { a, chain, day, designated } = await setup(t);
  await sharedDevice(a, a.operators[4]!, "D035_0002");
  await store(designated, readingsOf(day, [1n, 2n]));
  await store(
    designated,
    readingsOf(day, [1n]).map((r) => ({ ...r, deviceId: "D035_0002" })),
  );
  // Damage DEVICE's first stored reading (a torn disk, a bug elsewhere).
  await designated.db.put(readingKey(DEVICE, 1n), Uint8Array.of(0xff, 0xff), {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  const warnings: string[] = [];
  const scheduler = new CommitmentScheduler({
    db: designated.db,
    store: designated.store,
    query: chain.query,
    sender: designated.sender,
    subscribe: chain.subscribe,
    now: () => Number((day + 1n) * DAY_MS) + 1_000 + 4 * FALLBACK_MS, // every turn has come: submit
    graceMs: 0,
    logger: {
      info() {},
      error() {},
      warn: (_object: unknown, message?: string) => void warnings.push(message ?? ""),
    },
  });
  await scheduler.runPass();
  t.true(warnings.includes("daily commitments: device-day not evaluated"), warnings.join("\n"));
  t.false((await status(chain, day)).candidates.length > 0, "nothing submitted for the damaged device-day");
  const other = meterPb.QueryStatusResponse.decode(
    (
      await chain.query(
        "/sensorchain.meter.v1.Query/Status",
        meterPb.QueryStatusRequest.encode({ deviceId: "D035_0002", day: Number(day) }).finish(),
      )
    ).value,
  );
  t.is(other.candidates.length, 1, "the healthy device-day was submitted");
  t.false(await isDayDone(designated.db, day));
});
