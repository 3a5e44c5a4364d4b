// Light client throughput: headers verified per second (sequential = VerifyAdjacent per height,
// skipping = VerifyNonAdjacent jumps) for a 4-validator set, with node:crypto and with @noble
// (the browser build), and verified queries per second against a real node process (ICS-23 check
// alone, and end to end over RPC). Target: >= 1,000 headers/s sequential with node:crypto.
import { performance } from "node:perf_hooks";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { fromHex } from "../../chain/types/bytes.ts";
import { timestampFromDate } from "../../chain/types/time.ts";
import { verifyEd25519Noble } from "../../chain/types/verify-commit.ts";
import { LightClient } from "../../light-client/client.ts";
import { BANK_STORE, balanceStoreKey } from "../../light-client/keys.ts";
import { queryProven, verifiedStoreGet, verifyStoreResponse } from "../../light-client/queries.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import { heightOf, verificationOptions } from "../../light-client/types.ts";
import { verifyAdjacent, verifyNonAdjacent } from "../../light-client/verifier.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  rpc,
  startNodeProcess,
  waitForHeight,
} from "../../test/helpers/node-process.ts";
import { HarnessChain, makeKeys, nowAfter } from "../../test/light-client/harness.ts";
import { benchCommand, runBenchMain } from "./args.ts";

export interface LightBenchOptions {
  /** Headers in the synthetic chain. */
  headers?: number;
  /** Verified queries against the node. */
  queries?: number;
  /** Skip the node-process part (no ports, no temp dirs). */
  skipNode?: boolean;
}

export interface LightBenchFigures {
  sequentialNodeCrypto: number;
  sequentialNoble: number;
  skippingNodeCrypto: number;
  skippingNoble: number;
  proofChecksPerSecond?: number;
  verifiedQueriesPerSecond?: number;
}

function rate(count: number, action: () => void): number {
  const start = performance.now();
  action();
  return count / ((performance.now() - start) / 1000);
}

export async function runLightBench(options: LightBenchOptions = {}): Promise<LightBenchFigures> {
  const length = options.headers ?? 1000;
  const keys = makeKeys(4, "bench");
  const chain = new HarnessChain({ chainId: "bench-1", length, validatorsAt: () => ({ signers: keys }) });
  const now = nowAfter(BigInt(length));
  const trust = { trustingPeriodNs: 10n ** 18n };
  const node = verificationOptions(trust, verifyEd25519);
  const noble = verificationOptions(trust, verifyEd25519Noble);

  const sequential = (opts: typeof node) => () => {
    for (let h = 1n; h < BigInt(length); h++) verifyAdjacent(chain.block(h), chain.block(h + 1n), opts, now);
  };
  // Skipping: each step jumps from the root to a far height (trusting check + 2/3 check).
  const skipping = (opts: typeof node, count: number) => () => {
    for (let i = 0; i < count; i++)
      verifyNonAdjacent(chain.block(1n), chain.block(BigInt(3 + (i % (length - 3)))), opts, now);
  };
  // @noble is ~20x slower: a fifth of the chain, at least 50 headers (or the whole of a shorter chain).
  const nobleCount = Math.min(length, Math.max(50, Math.floor(length / 5)));
  const figures: LightBenchFigures = {
    sequentialNodeCrypto: rate(length - 1, sequential(node)),
    sequentialNoble: rate(nobleCount - 1, () => {
      for (let h = 1n; h < BigInt(nobleCount); h++)
        verifyAdjacent(chain.block(h), chain.block(h + 1n), noble, now);
    }),
    skippingNodeCrypto: rate(length, skipping(node, length)),
    skippingNoble: rate(nobleCount, skipping(noble, nobleCount)),
  };
  console.log(`light client, 4 validators, ${length}-header chain`);
  console.log(
    `  sequential (VerifyAdjacent)    node:crypto ${figures.sequentialNodeCrypto.toFixed(0)} headers/s   @noble ${figures.sequentialNoble.toFixed(0)} headers/s`,
  );
  console.log(
    `  skipping (VerifyNonAdjacent)   node:crypto ${figures.skippingNodeCrypto.toFixed(0)} headers/s   @noble ${figures.skippingNoble.toFixed(0)} headers/s`,
  );
  console.log(
    `  target >= 1000 headers/s sequential with node:crypto: ${figures.sequentialNodeCrypto >= 1000 ? "met" : "NOT met"}`,
  );

  if (options.skipNode === true) return figures;
  const home = await createTestHome();
  const process = await startNodeProcess(home.home);
  try {
    await waitForHeight(process.rpcUrl, 3n);
    const commit = await rpc(process.rpcUrl, "commit", { height: "1" });
    const client = await LightClient.create(
      {
        chainId: CHAIN_ID,
        primary: new RpcTransport(process.rpcUrl),
        trust: { height: 1n, hash: fromHex(commit.result.signed_header.commit.block_id.hash) },
        verifySignature: verifyEd25519,
      },
      timestampFromDate(new Date()),
    );
    const header = (await client.verifyToHeight(3n, timestampFromDate(new Date()))).block;
    const key = balanceStoreKey(home.faucetAddress, DENOM);
    const response = await queryProven(client.primary, BANK_STORE, key, heightOf(header) - 1n);
    const checks = options.queries ?? 200;
    figures.proofChecksPerSecond = rate(checks * 10, () => {
      for (let i = 0; i < checks * 10; i++) verifyStoreResponse(header, response, BANK_STORE, key);
    });
    const start = performance.now();
    for (let i = 0; i < checks; i++)
      await verifiedStoreGet(client, BANK_STORE, key, timestampFromDate(new Date()), {
        height: heightOf(header) - 1n,
      });
    figures.verifiedQueriesPerSecond = checks / ((performance.now() - start) / 1000);
    console.log(
      `  verified queries (bank balance): ICS-23 chain check ${figures.proofChecksPerSecond.toFixed(0)}/s, end to end over RPC ${figures.verifiedQueriesPerSecond.toFixed(0)}/s`,
    );
  } finally {
    await process.stop();
    await home.remove();
  }
  return figures;
}

export const lightBenchCommand = benchCommand({
  name: "light",
  summary:
    "Light-client headers verified per second (sequential and skipping, node:crypto and @noble) and\nverified queries per second against a real node process; target >= 1,000 headers/s sequential.",
  flags: {
    headers: { type: "integer", default: 1000, description: "headers in the synthetic chain" },
    queries: { type: "integer", default: 200, description: "verified queries against the node" },
    "skip-node": { type: "boolean", description: "skip the node-process part (no ports, no temp dirs)" },
  },
  run: (flags) =>
    runLightBench({ headers: flags.headers, queries: flags.queries, skipNode: flags["skip-node"] }),
});

if (import.meta.main) await runBenchMain(lightBenchCommand);
