import test from "ava";
import { type ChainState, decodeChainState, encodeChainState } from "../../chain/consensus/chain-state.ts";
import { sha256 } from "../../chain/crypto/hash.ts";

test("chain state round-trips bigints, Uint8Arrays and Buffers", (t) => {
  const appHash = sha256(new Uint8Array([1])); // a Buffer-backed array, as node:crypto returns
  const state = {
    chainId: "c",
    initialHeight: 1n,
    lastBlockHeight: 5n,
    lastBlockId: { hash: Buffer.from([1, 2]), partSetHeader: { total: 1, hash: new Uint8Array([3]) } },
    lastBlockTime: { seconds: 10n, nanos: 5 },
    validators: [],
    nextValidators: [],
    lastValidators: [],
    consensusParams: {
      block: { maxBytes: 1n, maxGas: -1n },
      evidence: { maxAgeNumBlocks: 1n, maxAgeDurationNs: 1n, maxBytes: 1n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 0n },
    },
    lastResultsHash: new Uint8Array(),
    appHash,
  } satisfies ChainState;
  const decoded = decodeChainState(encodeChainState(state));
  t.deepEqual(Buffer.from(decoded.appHash), Buffer.from(appHash));
  t.true(decoded.appHash instanceof Uint8Array);
  t.deepEqual([...decoded.lastBlockId.hash], [1, 2]);
  t.is(decoded.consensusParams.block.maxGas, -1n);
  t.is(decoded.lastBlockTime.seconds, 10n);
});
