// Wires daily commitments into a bridge: the operator key (mqtt.operator_key_file), its tx sender
// over the node's ingress, and the scheduler (README.md, Daily commitments and retention).
import type { CheckTxResponse } from "../../chain/app/abci.ts";
import type { Logger } from "../../chain/node.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import type { Database } from "../../chain/store/db.ts";
import type { ReadingStore } from "../reading-store.ts";
import type { QueryFunction } from "../registry.ts";
import type { OperatorKey } from "./operator-key.ts";
import { CommitmentScheduler } from "./scheduler.ts";
import { CommitmentTxSender } from "./tx-sender.ts";

export interface DailyCommitmentsOptions {
  db: Database;
  store: ReadingStore;
  query: QueryFunction;
  chainId: string;
  /** loadOperatorKey(home, mqtt.operator_key_file): loaded before anything starts, so that a bad file
   * stops the node with a clear error. */
  key: OperatorKey;
  graceMs: number;
  minimumGasPrices: string;
  submitTx(tx: Uint8Array): Promise<CheckTxResponse>;
  subscribe(listener: (event: NodeEvent) => void): () => void;
  now: () => number;
  logger: Logger;
  repairDay?: (deviceId: string, day: bigint) => Promise<unknown>;
}

export interface DailyCommitments {
  operator: string;
  scheduler: CommitmentScheduler;
  stop(): Promise<void>;
}

export function startDailyCommitments(options: DailyCommitmentsOptions): DailyCommitments {
  const { key } = options;
  const sender = new CommitmentTxSender({
    key,
    chainId: options.chainId,
    query: options.query,
    submitTx: options.submitTx,
    subscribe: options.subscribe,
    minimumGasPrices: options.minimumGasPrices,
  });
  const scheduler = new CommitmentScheduler({
    db: options.db,
    store: options.store,
    query: options.query,
    sender,
    subscribe: options.subscribe,
    now: options.now,
    graceMs: options.graceMs,
    logger: options.logger,
    ...(options.repairDay === undefined ? {} : { repairDay: options.repairDay }),
  });
  scheduler.start();
  options.logger.info({ operator: key.address }, "daily commitments: operator key loaded");
  return {
    operator: key.address,
    scheduler,
    async stop() {
      sender.close();
      await scheduler.stop();
    },
  };
}
