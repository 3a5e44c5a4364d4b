// Where replay reads the chain from: the node's own block store (its home, node stopped) or a remote
// node's CometBFT RPC. Both give untrusted material: replay verifies every header, commit and
// validator set itself (chain/replay.ts).
import type { ClassicLevel } from "classic-level";
import { type Genesis, parseGenesis } from "../../genesis/genesis.ts";
import { array, base64Bytes, decodeCommit, decodeHeader, object } from "../../light-client/json.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import type { LightTransport } from "../../light-client/transport.ts";
import { openBlockStore } from "../blockstore/open.ts";
import type { Block, Commit, Validator } from "../types/block.ts";

export interface ReplaySource {
  /** For reports: the home's data folder or the node's URL. */
  readonly name: string;
  genesis(): Promise<Genesis>;
  /** Highest height available. */
  lastHeight(): Promise<bigint>;
  block(height: bigint): Promise<Block | undefined>;
  /** The commit for `height` (replay takes it from block height+1 when that exists). */
  commit(height: bigint): Promise<Commit | undefined>;
  /** The validator set that signs `height`. */
  validators(height: bigint): Promise<Validator[] | undefined>;
  /** A remote node: its proven queries name the stores and keys of a mismatch (remote-diff.ts). */
  remote?: LightTransport;
}

export async function localSource(
  db: ClassicLevel<Uint8Array, Uint8Array>,
  genesis: Genesis,
  name: string,
): Promise<ReplaySource> {
  const store = await openBlockStore(db);
  return {
    name,
    genesis: async () => genesis,
    lastHeight: async () => store.height(),
    block: (height) => store.loadBlock(height),
    commit: (height) => store.loadCommit(height),
    validators: (height) => store.loadValidators(height),
  };
}

export function rpcSource(url: string): ReplaySource {
  const transport = new RpcTransport(url);
  return {
    name: transport.name,
    remote: transport,
    async genesis() {
      const result = object(await transport.call("genesis", {}), "genesis result");
      return parseGenesis(result["genesis"]);
    },
    lastHeight: async () => (await transport.status()).latestHeight,
    async block(height) {
      const result = object(await transport.call("block", { height: height.toString() }), "block result");
      const block = object(result["block"], "block");
      const txs = array(object(block["data"], "block.data")["txs"] ?? [], "block.data.txs");
      const evidence = array(
        object(block["evidence"] ?? {}, "block.evidence")["evidence"] ?? [],
        "block.evidence.evidence",
      );
      return {
        header: decodeHeader(block["header"]),
        data: { txs: txs.map((tx) => base64Bytes(tx, "tx")) },
        // Our node prints evidence as base64 proto bytes (chain/rpc/json.ts), which is what the
        // header's evidence_hash commits to; replay checks that hash.
        evidence: evidence.map((item) => base64Bytes(item, "evidence")),
        lastCommit: decodeCommit(block["last_commit"]),
      };
    },
    commit: async (height) => (await transport.signedHeader(height)).commit,
    validators: (height) => transport.validators(height),
  };
}
