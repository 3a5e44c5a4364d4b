// A temp LevelDB and a synthetic chain (real encodings, fake signatures) for block store tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type { Event, ExecTxResult, FinalizeBlockResponse } from "../../chain/app/abci.ts";
import type { BlockStoreImpl } from "../../chain/blockstore/store.ts";
import type { Block, BlockID, Commit, Validator } from "../../chain/types/block.ts";
import { emptyBlockId } from "../../chain/types/block-id.ts";
import { dataHash } from "../../chain/types/hashes.ts";
import { makeBlockId } from "../../chain/types/part-set.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";

export async function openTempDb() {
  const dir = await mkdtemp(join(tmpdir(), "blockstore-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  return {
    db,
    dir,
    async cleanup() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function validatorSet(seed: number, count: number): Validator[] {
  return [
    ...ValidatorSet.fromPubKeys(
      Array.from({ length: count }, (_, i) => ({
        pubKey: new Uint8Array(32).fill(seed * 16 + i + 1),
        votingPower: 10n,
      })),
    ).validators,
  ];
}

const attr = (key: string, value: string, index = true) => ({ key, value, index });

/** Tx `i` of height `h`: sender `sensor1s<h % 3>`, amount h*100+i, a memo attribute that is not indexed. */
export function txEvents(height: bigint, index: number): Event[] {
  return [
    {
      type: "message",
      attributes: [attr("action", "/cosmos.bank.v1beta1.MsgSend"), attr("sender", `sensor1s${height % 3n}`)],
    },
    {
      type: "transfer",
      attributes: [attr("amount", `${height * 100n + BigInt(index)}`), attr("recipient", `sensor1r${index}`)],
    },
    { type: "message", attributes: [attr("sender", "sensor1fee"), attr("memo", `hidden${height}`, false)] },
  ];
}

export function txResult(height: bigint, index: number): ExecTxResult {
  return {
    code: index === 1 ? 5 : 0,
    data: Uint8Array.of(index),
    log: "",
    info: "",
    gasWanted: 1000n,
    gasUsed: 900n + BigInt(index),
    events: txEvents(height, index),
    codespace: index === 1 ? "sdk" : "",
  };
}

export interface SavedBlock {
  block: Block;
  blockId: BlockID;
  seenCommit: Commit;
  results: FinalizeBlockResponse;
  validators: Validator[];
}

function commitFor(height: bigint, blockId: BlockID, validators: Validator[]): Commit {
  return {
    height,
    round: 0,
    blockId,
    signatures: validators.map((v) => ({
      blockIdFlag: 2 as const,
      validatorAddress: v.address,
      timestamp: { seconds: 1_700_000_000n + height, nanos: 5 },
      signature: new Uint8Array(64).fill(Number(height % 256n)),
    })),
  };
}

/** Heights 1..n with `txsPerBlock` txs each; the validator set changes at height 5. */
export function makeChain(n: number, txsPerBlock = 2): SavedBlock[] {
  const out: SavedBlock[] = [];
  let lastBlockId = emptyBlockId();
  let lastCommit: Commit = { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] };
  for (let i = 1; i <= n; i++) {
    const height = BigInt(i);
    const validators = validatorSet(height < 5n ? 1 : 2, height < 5n ? 3 : 4);
    const txs = Array.from({ length: txsPerBlock }, (_, index) =>
      new TextEncoder().encode(`tx-${height}-${index}`),
    );
    const set = new ValidatorSet(validators);
    const block: Block = {
      header: {
        version: { block: 11n, app: 0n },
        chainId: "test-chain",
        height,
        time: { seconds: 1_700_000_000n + height, nanos: 0 },
        lastBlockId,
        lastCommitHash: new Uint8Array(32),
        dataHash: dataHash(txs),
        validatorsHash: set.hash(),
        nextValidatorsHash: set.hash(),
        consensusHash: new Uint8Array(32),
        appHash: Uint8Array.of(i),
        lastResultsHash: new Uint8Array(32),
        evidenceHash: new Uint8Array(32),
        proposerAddress: validators[0]!.address,
      },
      data: { txs },
      evidence: [],
      lastCommit,
    };
    const { blockId } = makeBlockId(block);
    const seenCommit = commitFor(height, blockId, validators);
    const results: FinalizeBlockResponse = {
      events: [
        {
          type: "block_reward",
          attributes: [
            attr("amount", `${height * 10n}`),
            attr("parity", height % 2n === 0n ? "even" : "odd"),
          ],
        },
      ],
      txResults: txs.map((_, index) => txResult(height, index)),
      validatorUpdates: height === 4n ? [{ pubKey: new Uint8Array(32).fill(9), power: 3n }] : [],
      appHash: Uint8Array.of(i),
      ...(height === 3n
        ? {
            consensusParamUpdates: {
              block: { maxBytes: 1000n, maxGas: -1n },
              evidence: { maxAgeNumBlocks: 100n, maxAgeDurationNs: 172_800_000_000_001n, maxBytes: 1000n },
              validator: { pubKeyTypes: ["ed25519"] },
              version: { app: 1n },
            },
          }
        : {}),
    };
    out.push({ block, blockId, seenCommit, results, validators });
    lastBlockId = blockId;
    lastCommit = {
      ...seenCommit,
      signatures: seenCommit.signatures.map((s) => ({ ...s, timestamp: { ...s.timestamp, nanos: 7 } })),
    };
  }
  return out;
}

export async function saveChain(
  db: ClassicLevel<Uint8Array, Uint8Array>,
  store: BlockStoreImpl,
  chain: SavedBlock[],
) {
  for (const saved of chain) {
    const ops = store.saveBlockOperations({ ...saved, blockSize: 1000 });
    await db.batch(
      ops.map((op) =>
        op.type === "put" ? { type: "put", key: op.key, value: op.value } : { type: "del", key: op.key },
      ),
    );
    store.markCommitted(saved.block.header.height);
  }
}
