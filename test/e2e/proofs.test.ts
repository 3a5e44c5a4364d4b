// Acceptance: a balance queried with `prove` verifies with the project's own ICS-23 verifier against
// the app hash in the next header; a missing key proves absence; a tampered proof fails.

import { fromBech32 } from "@cosmjs/encoding";
import test from "ava";
import { verifyChainedMembership, verifyChainedNonMembership } from "../../light-client/ics23/index.ts";
import { DENOM, freshAddress, nodePerFile, rpc, waitForHeight } from "../helpers/node-process.ts";

const chain = nodePerFile(test);

/** Cosmos SDK bank balance key: 0x02 | len(address) | address | denom. */
function balanceKey(address: string, denom: string): Uint8Array {
  const bytes = fromBech32(address, 90).data;
  return new Uint8Array([0x02, bytes.length, ...bytes, ...new TextEncoder().encode(denom)]);
}

interface ProvenQuery {
  height: bigint;
  value: Uint8Array;
  ops: { type: string; key: Uint8Array; data: Uint8Array }[];
  appHash: Uint8Array;
}

async function provenQuery(key: Uint8Array): Promise<ProvenQuery> {
  const response = await rpc(chain.node.rpcUrl, "abci_query", {
    path: "/store/bank/key",
    data: Buffer.from(key).toString("hex"),
    prove: true,
  });
  const result = response.result.response;
  const height = BigInt(result.height);
  await waitForHeight(chain.node.rpcUrl, height + 1n);
  const next = await rpc(chain.node.rpcUrl, "block", { height: String(height + 1n) });
  return {
    height,
    value: Buffer.from(result.value ?? "", "base64"),
    ops: result.proofOps.ops.map((op: { type: string; key: string; data: string }) => ({
      type: op.type,
      key: Buffer.from(op.key, "base64"),
      data: Buffer.from(op.data, "base64"),
    })),
    appHash: Buffer.from(next.result.block.header.app_hash, "hex"),
  };
}

test("a proven balance verifies against the next header's app hash; tampering fails", async (t) => {
  const key = balanceKey(chain.home.faucetAddress, DENOM);
  const proven = await provenQuery(key);
  t.true(proven.value.length > 0);
  t.deepEqual(
    proven.ops.map((op) => op.type),
    ["ics23:smt", "ics23:simple"],
  );
  t.notThrows(() => verifyChainedMembership(proven.appHash, proven.ops, "bank", key, proven.value));

  const otherValue = new TextEncoder().encode("999999999999999");
  t.throws(() => verifyChainedMembership(proven.appHash, proven.ops, "bank", key, otherValue));
  const tamperedData = new Uint8Array(proven.ops[0]!.data);
  tamperedData[tamperedData.length - 3] = tamperedData[tamperedData.length - 3]! ^ 0x01;
  const tampered = [{ ...proven.ops[0]!, data: tamperedData }, proven.ops[1]!];
  t.throws(() => verifyChainedMembership(proven.appHash, tampered, "bank", key, proven.value));
  const wrongRoot = new Uint8Array(proven.appHash);
  wrongRoot[0] = wrongRoot[0]! ^ 0x01;
  t.throws(() => verifyChainedMembership(wrongRoot, proven.ops, "bank", key, proven.value));
});

test("a missing balance proves absence, and that proof cannot prove presence", async (t) => {
  const key = balanceKey(await freshAddress(), DENOM);
  const proven = await provenQuery(key);
  t.is(proven.value.length, 0);
  t.notThrows(() => verifyChainedNonMembership(proven.appHash, proven.ops, "bank", key));
  t.throws(() =>
    verifyChainedMembership(proven.appHash, proven.ops, "bank", key, new TextEncoder().encode("1")),
  );
  const presentKey = balanceKey(chain.home.faucetAddress, DENOM);
  t.throws(() => verifyChainedNonMembership(proven.appHash, proven.ops, "bank", presentKey));
});
