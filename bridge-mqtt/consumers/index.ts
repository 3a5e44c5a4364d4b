// The consumer side of a bridge (bridge-mqtt/README.md, Consumers), assembled: entitlements fed by
// committed events, the broker ACL for account logins, live streams of stored readings, and the
// HTTP history route. bridge.ts creates it before the broker and attaches the broker after.
import type { Aedes } from "aedes";
import type { Logger } from "../../chain/node.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import type { HttpRoute } from "../../chain/rpc/server.ts";
import type { ReadingStore } from "../reading-store.ts";
import type { QueryFunction } from "../registry.ts";
import { ConsumerAccess, type ConsumerPublishHook, type ConsumerSubscribeHook } from "./access.ts";
import { DayProofs } from "./day-proofs.ts";
import { Entitlements } from "./entitlements.ts";
import { historyRoute } from "./history.ts";
import { type StreamCounters, startStreams } from "./streams.ts";

export interface ConsumersOptions {
  chainId: string;
  query: QueryFunction;
  store: ReadingStore;
  now: () => number;
  logger: Logger;
  /** Committed blocks and txs (a node's bridge): entitlement changes take effect at once. */
  subscribe?: (listener: (event: NodeEvent) => void) => () => void;
  /** Consumer publishes (commands): see ConsumerPublishHook. */
  authorizePublish?: ConsumerPublishHook;
  authorizeSubscribe?: ConsumerSubscribeHook;
}

export interface Consumers {
  access: ConsumerAccess;
  entitlements: Entitlements;
  /** GET /bridge/v1/readings, for the node's RPC server. */
  route: HttpRoute;
  streamCounters: StreamCounters;
  /** Starts publishing stored readings on the broker's stream topics. */
  attach(broker: Aedes): void;
  stop(): void;
}

export function createConsumers(options: ConsumersOptions): Consumers {
  const { chainId, query, store, now, logger } = options;
  const entitlements = new Entitlements({ query });
  const access = new ConsumerAccess({
    chainId,
    entitlements,
    now,
    logger,
    ...(options.authorizePublish === undefined ? {} : { authorizePublish: options.authorizePublish }),
    ...(options.authorizeSubscribe === undefined ? {} : { authorizeSubscribe: options.authorizeSubscribe }),
  });
  const stops: (() => void)[] = [];
  stops.push(entitlements.onChange((devices) => access.recheckDevices(devices)));
  if (options.subscribe !== undefined)
    stops.push(
      options.subscribe((event) => {
        if (event.type === "Tx") entitlements.onEvents(event.result.events);
        else if (event.type === "NewBlock") entitlements.onEvents(event.resultFinalizeBlock.events);
      }),
    );
  const streamCounters: StreamCounters = { published: 0 };
  return {
    access,
    entitlements,
    route: historyRoute({ chainId, store, entitlements, proofs: new DayProofs({ store, query }), now }),
    streamCounters,
    attach(broker) {
      const publish = (topic: string, payload: Uint8Array) =>
        broker.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false },
          (error) => {
            if (error) logger.warn({ err: error, topic }, "stream message not published");
          },
        );
      stops.push(
        startStreams({ store, publish, isStreamed: (id) => access.isStreamed(id), counters: streamCounters }),
      );
    },
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
