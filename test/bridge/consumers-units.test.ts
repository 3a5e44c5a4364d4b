// Parts of the consumer side without a node: Entitlements over an injected query function that
// answers with the modules' real protobuf messages from records this test controls (and counts the
// queries, so caching and invalidation are visible), and the TLS listener's configuration errors.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import { extraListenersOf } from "../../bridge-mqtt/broker.ts";
import {
  DEVICE_QUERY_PATH,
  ENTITLEMENT_CACHE_TTL_MS,
  Entitlements,
  EntitlementUnavailable,
  ESCROWS_BY_DEVICE_PATH,
  HAS_ACCESS_PATH,
} from "../../bridge-mqtt/consumers/entitlements.ts";
import { ConfigError } from "../../chain/config/errors.ts";
import type { MqttConfig } from "../../chain/config/schema.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb as devicePb } from "../../modules/device/codec.ts";
import { pb as escrowPb } from "../../modules/escrow/codec.ts";
import { pb as marketPb } from "../../modules/market/codec.ts";
import { toLong } from "../../proto/canonical.ts";
import { newAccount } from "./consumer-helpers.ts";

const DEVICE = "D035_0301";
const owner = newAccount().address;
const consumer = newAccount().address;
const authority = newAccount().address;
const buyer = newAccount().address;
const stranger = newAccount().address;
const NOW = 1_763_712_000_000;

interface World {
  owner: string | undefined;
  escrows: { id: number; consumer: string; authority: string; open: boolean; expirySeconds: number }[];
  grantEndSeconds: Record<string, number>;
  failing: boolean;
  queries: Record<string, number>;
}

function world(): World {
  return {
    owner,
    escrows: [{ id: 7, consumer, authority, open: true, expirySeconds: NOW / 1000 + 60 }],
    grantEndSeconds: { [buyer]: NOW / 1000 + 8 },
    failing: false,
    queries: {},
  };
}

function queryOf(w: World) {
  return async (path: string, data: Uint8Array) => {
    w.queries[path] = (w.queries[path] ?? 0) + 1;
    if (w.failing) return { code: 1, value: new Uint8Array() };
    if (path === DEVICE_QUERY_PATH) {
      if (w.owner === undefined) return { code: 7, value: new Uint8Array() };
      const device = { id: DEVICE, owner: w.owner, status: devicePb.DeviceStatus.DEVICE_STATUS_ACTIVE };
      return { code: 0, value: devicePb.QueryDeviceResponse.encode({ device }).finish() };
    }
    if (path === ESCROWS_BY_DEVICE_PATH) {
      const escrows = w.escrows.map((e) => ({
        id: toLong(BigInt(e.id)),
        consumer: e.consumer,
        deviceId: DEVICE,
        releaseAuthority: e.authority,
        mode: escrowPb.EscrowMode.ESCROW_MODE_MANUAL,
        price: { denom: "usensor", amount: "1" },
        expiryTime: toLong(BigInt(e.expirySeconds)),
        denom: "usensor",
        deposited: "10",
        released: "0",
        remaining: "10",
        status: e.open
          ? escrowPb.EscrowStatus.ESCROW_STATUS_OPEN
          : escrowPb.EscrowStatus.ESCROW_STATUS_CLOSED,
      }));
      return { code: 0, value: escrowPb.QueryEscrowsByDeviceResponse.encode({ escrows }).finish() };
    }
    if (path === HAS_ACCESS_PATH) {
      const request = marketPb.QueryHasAccessRequest.decode(data);
      const end = w.grantEndSeconds[request.account] ?? 0;
      const at = Number(request.at.toString());
      const hasAccess = end > at;
      const grant = hasAccess
        ? { buyer: request.account, deviceId: DEVICE, endTime: toLong(BigInt(end)) }
        : null;
      return { code: 0, value: marketPb.QueryHasAccessResponse.encode({ hasAccess, grant }).finish() };
    }
    throw new Error(`unexpected query ${path}`);
  };
}

test("owner, escrow consumer and authority, market buyer are entitled, until the escrow's or grant's end", async (t) => {
  const w = world();
  const entitlements = new Entitlements({ query: queryOf(w) });
  t.like(await entitlements.isEntitled(owner, DEVICE, NOW), {
    entitled: true,
    reason: "owner",
    recheckAtMs: NOW + ENTITLEMENT_CACHE_TTL_MS,
  });
  t.like(await entitlements.isEntitled(consumer, DEVICE, NOW), { entitled: true, reason: "escrow" });
  t.like(await entitlements.isEntitled(authority, DEVICE, NOW), { entitled: true, reason: "escrow" });
  t.like(await entitlements.isEntitled(buyer, DEVICE, NOW + 5_000), {
    entitled: true,
    reason: "market",
    recheckAtMs: NOW + 8_000, // the grant ends before the TTL would
  });
  t.like(await entitlements.isEntitled(stranger, DEVICE, NOW), { entitled: false, reason: "not_entitled" });
  // One device query and one escrow list served all five answers (within the TTL).
  t.is(w.queries[DEVICE_QUERY_PATH], 1);
  t.is(w.queries[ESCROWS_BY_DEVICE_PATH], 1);
  // Past the escrow's expiry (block time ≥ expiry_time) it no longer counts.
  t.like(await entitlements.isEntitled(consumer, DEVICE, NOW + 60_000), { entitled: false });
  t.like(await entitlements.isEntitled(buyer, DEVICE, NOW + 8_000), { entitled: false });
});

test("committed events drop what they change: escrow by escrow id, market by buyer, device by id", async (t) => {
  const w = world();
  const entitlements = new Entitlements({ query: queryOf(w) });
  const changed: string[][] = [];
  entitlements.onChange((devices) => changed.push([...devices]));
  t.true((await entitlements.isEntitled(consumer, DEVICE, NOW)).entitled);
  w.escrows[0]!.open = false;
  t.true((await entitlements.isEntitled(consumer, DEVICE, NOW)).entitled, "cached until an event");
  entitlements.onEvents([
    { type: "sensorchain.escrow.v1.EventEscrowClosed", attributes: [{ key: "escrow_id", value: "7" }] },
  ]);
  t.deepEqual(changed, [[DEVICE]]);
  t.like(await entitlements.isEntitled(consumer, DEVICE, NOW), { entitled: false, reason: "not_entitled" });

  t.false((await entitlements.isEntitled(stranger, DEVICE, NOW)).entitled);
  w.grantEndSeconds[stranger] = NOW / 1000 + 3_600;
  entitlements.onEvents([
    {
      type: "sensorchain.market.v1.EventAccessBought",
      attributes: [
        { key: "device_id", value: DEVICE },
        { key: "buyer", value: stranger },
      ],
    },
  ]);
  t.like(await entitlements.isEntitled(stranger, DEVICE, NOW), { entitled: true, reason: "market" });

  w.owner = stranger;
  entitlements.onEvents([
    {
      type: "sensorchain.device.v1.EventDeviceOwnershipTransferred",
      attributes: [{ key: "device_id", value: DEVICE }],
    },
  ]);
  t.like(await entitlements.isEntitled(owner, DEVICE, NOW), { entitled: false });
  t.like(await entitlements.isEntitled(stranger, DEVICE, NOW), { entitled: true, reason: "owner" });
  // Events of other modules change nothing.
  entitlements.onEvents([{ type: "transfer", attributes: [{ key: "device_id", value: DEVICE }] }]);
  t.is(changed.length, 3);
});

test("the TTL bounds a missed event; maxAgeMs asks again sooner; unknown devices and failing queries", async (t) => {
  const w = world();
  const entitlements = new Entitlements({ query: queryOf(w) });
  await entitlements.isEntitled(owner, DEVICE, NOW);
  w.owner = stranger; // no event
  t.true((await entitlements.isEntitled(owner, DEVICE, NOW + ENTITLEMENT_CACHE_TTL_MS - 1)).entitled);
  t.false((await entitlements.isEntitled(owner, DEVICE, NOW + ENTITLEMENT_CACHE_TTL_MS)).entitled);
  const queries = w.queries[DEVICE_QUERY_PATH]!;
  await entitlements.isEntitled(stranger, DEVICE, NOW + ENTITLEMENT_CACHE_TTL_MS + 1_000, 500);
  t.is(w.queries[DEVICE_QUERY_PATH], queries + 1, "an answer older than maxAgeMs is asked again");

  w.owner = undefined;
  const fresh = new Entitlements({ query: queryOf(w) });
  t.like(await fresh.isEntitled(owner, DEVICE, NOW), { entitled: false, reason: "unknown_device" });
  w.failing = true;
  await t.throwsAsync(new Entitlements({ query: queryOf(w) }).isEntitled(owner, DEVICE, NOW), {
    instanceOf: EntitlementUnavailable,
  });
});

test("TLS listener: unreadable or unusable certificate files are config errors naming the field", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-tls-config-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const config = {
    tlsLaddr: "tcp://127.0.0.1:0",
    tlsCertFile: "missing-cert.pem",
    tlsKeyFile: "missing-key.pem",
    wsLaddr: "",
  } as MqttConfig;
  const missing = await t.throwsAsync(extraListenersOf(config, home), { instanceOf: ConfigError });
  t.is(missing?.field, "mqtt.tls_cert_file");
  await writeFile(join(home, "cert.pem"), "not a certificate");
  await writeFile(join(home, "key.pem"), "not a key");
  const garbage = { ...config, tlsCertFile: "cert.pem", tlsKeyFile: "key.pem" };
  const listeners = await extraListenersOf(garbage, home);
  t.is(listeners.tls?.port, 0);
  // The files exist but are no PEM pair: the bridge refuses to start, naming the setting.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(home, "chain.db"), DB_OPTIONS);
  await db.open();
  t.teardown(() => db.close());
  const full: MqttConfig = {
    ...garbage,
    enabled: true,
    laddr: "tcp://127.0.0.1:0",
    externalUrl: "",
    externalUsername: "",
    externalPassword: "",
    sharedGroup: "sensorchain",
    verifyWorkers: 0,
    retentionDays: 30,
    commitGraceMs: 600_000,
    operatorKeyFile: "",
  };
  const unusable = await t.throwsAsync(
    startBridge({
      db,
      config: full,
      home,
      chainId: "sensorchain-tls-1",
      listen: { host: "127.0.0.1", port: 0 },
      logger: { info() {}, warn() {}, error() {} },
      query: async () => ({ code: 1, value: new Uint8Array() }),
    }),
    { instanceOf: ConfigError },
  );
  t.is(unusable?.field, "mqtt.tls_cert_file");
  t.deepEqual(await extraListenersOf({ ...config, tlsLaddr: "", wsLaddr: "tcp://127.0.0.1:8083" }, home), {
    ws: { text: "tcp://127.0.0.1:8083", host: "127.0.0.1", port: 8083 },
  });
});
