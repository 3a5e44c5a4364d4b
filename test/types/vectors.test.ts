import test, { type ExecutionContext } from "ava";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { BlockIDFlag, SignedMsgType } from "../../chain/types/block.ts";
import { emptyBlockId } from "../../chain/types/block-id.ts";
import { fromHex, sha256, toHex } from "../../chain/types/bytes.ts";
import { CommitVerificationError } from "../../chain/types/errors.ts";
import { headerHash } from "../../chain/types/header.ts";
import { GO_ZERO_TIME } from "../../chain/types/time.ts";
import { ValidatorSet, validatorAddress } from "../../chain/types/validator-set.ts";
import {
  validateCommitBasic,
  verifyCommit,
  verifyCommitLight,
  verifyCommitLightTrusting,
} from "../../chain/types/verify-commit.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";
import { loadJson, realChain } from "./fixtures.ts";

const text = (s: string) => sha256(new TextEncoder().encode(s));

test("header hash reproduces CometBFT TestHeaderHash", (t) => {
  const vector = loadJson("cometbft.json").header_hash;
  const zero32 = new Uint8Array(32);
  const hash = headerHash({
    version: { block: 1n, app: 2n },
    chainId: "chainId",
    height: 3n,
    time: { seconds: BigInt(Date.UTC(2019, 9, 13, 16, 14, 44) / 1000), nanos: 0 },
    lastBlockId: { hash: zero32, partSetHeader: { total: 6, hash: zero32 } },
    lastCommitHash: text("last_commit_hash"),
    dataHash: text("data_hash"),
    validatorsHash: text("validators_hash"),
    nextValidatorsHash: text("next_validators_hash"),
    consensusHash: text("consensus_hash"),
    appHash: text("app_hash"),
    lastResultsHash: text("last_results_hash"),
    evidenceHash: text("evidence_hash"),
    proposerAddress: text("proposer_address").subarray(0, 20),
  });
  t.is(toHex(hash).toUpperCase(), vector.expected_hash);
});

test("vote sign bytes reproduce TestVoteSignBytesTestVectors", (t) => {
  const cases = loadJson("cometbft.json").vote_sign_bytes.cases;
  t.is(cases.length, 5);
  for (const c of cases) {
    const bytes = voteSignBytes(c.chain_id, {
      type: c.vote.type,
      height: BigInt(c.vote.height),
      round: c.vote.round,
      blockId: emptyBlockId(),
      timestamp: GO_ZERO_TIME,
    });
    t.is(toHex(bytes), c.expected);
  }
});

test("real chain block 12: header hash, validator set hash, addresses, full commit", (t) => {
  const { header, commit, validators } = realChain();
  t.is(toHex(headerHash(header)), toHex(commit.blockId.hash));
  const set = new ValidatorSet(validators);
  t.is(toHex(set.hash()), toHex(header.validatorsHash));
  for (const v of validators) t.is(toHex(validatorAddress(v.pubKey)), toHex(v.address));
  verifyCommit(header.chainId, set, commit.blockId, 12n, commit);
  verifyCommit(header.chainId, set, commit.blockId, 12n, commit, { verifySignature: verifyEd25519 });
  verifyCommitLight(header.chainId, set, commit.blockId, 12n, commit);
  verifyCommitLightTrusting(header.chainId, set, commit);
  t.pass();
});

function codeOf(t: ExecutionContext, fn: () => void): string {
  const error = t.throws(fn, { instanceOf: CommitVerificationError }) as CommitVerificationError;
  return error.code;
}

test("tampered header, signature, chain id, height are rejected", (t) => {
  const { header, commit, validators } = realChain();
  const set = new ValidatorSet(validators);
  const tampered = { ...header, appHash: fromHex("0700000000000000") };
  t.not(toHex(headerHash(tampered)), toHex(commit.blockId.hash));
  const tamperedId = { ...commit.blockId, hash: headerHash(tampered) };
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, tamperedId, 12n, commit)),
    "wrong_block_id",
  );
  // A commit re-pointed at the tampered header: signatures no longer cover it.
  const repointed = { ...commit, blockId: tamperedId };
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, tamperedId, 12n, repointed)),
    "wrong_signature",
  );

  const badSig = structuredClone(commit);
  badSig.signatures[2]!.signature[5]! ^= 1;
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, commit.blockId, 12n, badSig)),
    "wrong_signature",
  );
  t.is(
    codeOf(t, () => verifyCommit("other-chain", set, commit.blockId, 12n, commit)),
    "wrong_signature",
  );
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, commit.blockId, 13n, commit)),
    "invalid_commit_height",
  );
  const badTime = structuredClone(commit);
  badTime.signatures[0]!.timestamp = { ...badTime.signatures[0]!.timestamp, nanos: 1 };
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, commit.blockId, 12n, badTime)),
    "wrong_signature",
  );
});

test("absent and nil signatures: power thresholds of full, light and trusting verification", (t) => {
  const { header, commit, validators } = realChain();
  const set = new ValidatorSet(validators);
  const absent = structuredClone(commit);
  absent.signatures[3] = {
    blockIdFlag: BlockIDFlag.absent,
    validatorAddress: new Uint8Array(0),
    timestamp: GO_ZERO_TIME,
    signature: new Uint8Array(0),
  };
  // 3 of 4 equal powers > 2/3.
  verifyCommit(header.chainId, set, commit.blockId, 12n, absent);
  absent.signatures[2] = absent.signatures[3]!;
  const error = t.throws(() =>
    verifyCommit(header.chainId, set, commit.blockId, 12n, absent),
  ) as CommitVerificationError;
  t.is(error.code, "not_enough_voting_power");
  t.is(error.got, 2n);
  t.is(error.needed, 2n);
  // Trusting at 1/3: 2 of 4 is enough.
  verifyCommitLightTrusting(header.chainId, set, absent);
  // A NIL vote with a bad signature fails full verification but light verification ignores it.
  const nil = structuredClone(commit);
  nil.signatures[1]!.blockIdFlag = BlockIDFlag.nil;
  t.is(
    codeOf(t, () => verifyCommit(header.chainId, set, commit.blockId, 12n, nil)),
    "wrong_signature",
  );
  verifyCommitLight(header.chainId, set, commit.blockId, 12n, nil);
  // Absent signature carrying data is malformed (verification skips absent entries, as in Go).
  const malformed = structuredClone(absent);
  malformed.signatures[3]!.signature = new Uint8Array(64);
  t.is(
    codeOf(t, () => validateCommitBasic(malformed)),
    "invalid_commit_sig",
  );
  validateCommitBasic(absent);
  t.is(SignedMsgType.precommit, 2);
});

test("trusting verification with another set counts only known signers", (t) => {
  const { header, commit, validators } = realChain();
  const partial = new ValidatorSet(validators.slice(0, 1));
  // One known signer of power 1 out of a total of 1: more than 1/3.
  verifyCommitLightTrusting(header.chainId, partial, commit);
  const other = ValidatorSet.fromPubKeys([{ pubKey: new Uint8Array(32).fill(7), votingPower: 5n }]);
  t.is(
    codeOf(t, () => verifyCommitLightTrusting(header.chainId, other, commit)),
    "not_enough_voting_power",
  );
  const doubled = structuredClone(commit);
  doubled.signatures[1] = doubled.signatures[0]!;
  t.is(
    codeOf(t, () =>
      verifyCommitLightTrusting(header.chainId, new ValidatorSet(validators), doubled, {
        numerator: 1n,
        denominator: 1n,
      }),
    ),
    "double_vote",
  );
});
