// The verifier (light/verifier.go rules): CometBFT's real block 12, a harness chain across validator
// set changes, and every rejection with its typed code.
import test, { type ExecutionContext } from "ava";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { BlockIDFlag } from "../../chain/types/block.ts";
import { headerHash } from "../../chain/types/header.ts";
import { LightClientError, type LightClientErrorCode } from "../../light-client/errors.ts";
import { DEFAULT_TRUST_LEVEL, type LightBlock, verificationOptions } from "../../light-client/types.ts";
import {
  headerExpired,
  validateSignedHeader,
  validateVerificationOptions,
  verify,
  verifyAdjacent,
  verifyBackwards,
  verifyNonAdjacent,
  verifyTrustedRoot,
} from "../../light-client/verifier.ts";
import { realChain } from "../types/fixtures.ts";
import { CHAIN_ID, standardChain } from "./fixtures.ts";
import { HarnessChain, makeKeys, NANOS_PER_SECOND_TEST, nowAfter, timeAt, withHeader } from "./helpers.ts";

const chain = standardChain();
const options = verificationOptions({ trustingPeriodNs: 3600n * NANOS_PER_SECOND_TEST });
const now = nowAfter(40n);

function rejects(t: ExecutionContext, code: LightClientErrorCode, action: () => void): void {
  const error = t.throws(action, { instanceOf: LightClientError });
  t.is(error?.code, code, error?.message);
}

test("real CometBFT chain block 12: header hash, validators hash and commit verify as a trusted root", (t) => {
  const { header, commit, validators } = realChain();
  const block: LightBlock = { signedHeader: { header, commit }, validatorSet: setFrom(validators) };
  t.notThrows(() => validateSignedHeader(block.signedHeader, header.chainId));
  t.notThrows(() => verifyTrustedRoot(block, header.chainId, commit.blockId.hash, options));
  t.notThrows(() =>
    verifyTrustedRoot(block, header.chainId, commit.blockId.hash, {
      ...options,
      verifySignature: verifyEd25519,
    }),
  );
  const other = new Uint8Array(commit.blockId.hash);
  other[0]! ^= 1;
  rejects(t, "header_hash_mismatch", () => verifyTrustedRoot(block, header.chainId, other, options));
  rejects(t, "header_hash_mismatch", () =>
    validateSignedHeader(withHeader(block, { appHash: new Uint8Array(32) }).signedHeader, header.chainId),
  );
});

test("adjacent verification follows all 40 heights across both validator set changes", (t) => {
  for (let h = 1n; h < 40n; h++)
    t.notThrows(() => verifyAdjacent(chain.block(h), chain.block(h + 1n), options, now), `height ${h + 1n}`);
});

test("skipping: 1 → 22 shares half of the trusted set; 1 → 40 shares none", (t) => {
  t.notThrows(() => verifyNonAdjacent(chain.block(1n), chain.block(22n), options, now));
  t.notThrows(() => verify(chain.block(22n), chain.block(40n), options, now));
  rejects(t, "insufficient_trust", () => verifyNonAdjacent(chain.block(1n), chain.block(40n), options, now));
});

test("trust level 3/4 demands more of the trusted set; levels outside [1/3, 1] are refused", (t) => {
  const full = { ...options, trustLevel: { numerator: 3n, denominator: 4n } };
  rejects(t, "insufficient_trust", () => verifyNonAdjacent(chain.block(1n), chain.block(22n), full, now));
  t.notThrows(() => verifyNonAdjacent(chain.block(1n), chain.block(8n), full, now));
  rejects(t, "invalid_trust_options", () =>
    validateVerificationOptions({ ...options, trustLevel: { numerator: 1n, denominator: 4n } }),
  );
  rejects(t, "invalid_trust_options", () =>
    validateVerificationOptions({ ...options, trustLevel: { numerator: 4n, denominator: 3n } }),
  );
  t.notThrows(() => validateVerificationOptions({ ...options, trustLevel: DEFAULT_TRUST_LEVEL }));
});

test("a header signed by less than 2/3 of its own set is rejected", (t) => {
  const weak = new HarnessChain({
    chainId: CHAIN_ID,
    length: 3,
    validatorsAt: () => ({ signers: makeKeys(8).slice(0, 4) }),
    vote: (height, index) => (height === 3n && index >= 2 ? (index === 2 ? "absent" : "nil") : "commit"),
  });
  rejects(t, "insufficient_voting_power", () =>
    verifyAdjacent(weak.block(2n), weak.block(3n), options, nowAfter(3n)),
  );
  rejects(t, "insufficient_voting_power", () =>
    verifyNonAdjacent(weak.block(1n), weak.block(3n), options, nowAfter(3n)),
  );
});

test("a tampered app hash breaks the header hash", (t) => {
  const tampered = withHeader(chain.block(5n), { appHash: new Uint8Array(32).fill(7) });
  rejects(t, "header_hash_mismatch", () => verifyAdjacent(chain.block(4n), tampered, options, now));
  rejects(t, "header_hash_mismatch", () => verifyNonAdjacent(chain.block(1n), tampered, options, now));
});

test("a header of another chain id is rejected", (t) => {
  const other = standardChain("other-chain", 6);
  rejects(t, "wrong_chain_id", () => verifyAdjacent(chain.block(5n), other.block(6n), options, now));
});

test("a header beyond the clock drift is rejected; within it is accepted", (t) => {
  const early = { seconds: timeAt(10n).seconds - 10n, nanos: 0 };
  rejects(t, "beyond_clock_drift", () =>
    verifyNonAdjacent(chain.block(1n), chain.block(10n), options, early),
  );
  const justInside = { seconds: timeAt(10n).seconds - 9n, nanos: 0 };
  t.notThrows(() => verifyNonAdjacent(chain.block(1n), chain.block(10n), options, justInside));
});

test("an expired trusted header is rejected", (t) => {
  const expiry = { seconds: timeAt(1n).seconds + 3600n, nanos: 0 };
  t.true(headerExpired(chain.block(1n).signedHeader, options.trustingPeriodNs, expiry));
  t.false(
    headerExpired(chain.block(1n).signedHeader, options.trustingPeriodNs, {
      seconds: expiry.seconds - 1n,
      nanos: 0,
    }),
  );
  rejects(t, "expired_trusted_header", () =>
    verifyNonAdjacent(chain.block(1n), chain.block(5n), options, expiry),
  );
  rejects(t, "expired_trusted_header", () =>
    verifyAdjacent(chain.block(1n), chain.block(2n), options, expiry),
  );
});

test("a validator set that does not match the header is rejected", (t) => {
  const wrongSet = { ...chain.block(12n), validatorSet: chain.block(30n).validatorSet };
  rejects(t, "validators_hash_mismatch", () => verifyAdjacent(chain.block(11n), wrongSet, options, now));
  // Adjacent: the new validators_hash must be the trusted next_validators_hash.
  rejects(t, "validators_hash_mismatch", () =>
    verifyAdjacent(chain.block(10n), withNextSet(chain.block(11n)), options, now),
  );
});

function withNextSet(block: LightBlock): LightBlock {
  // A consistent block (its own set) that is not the set block 10 announced: signed by set A keys.
  const keys = makeKeys(8).slice(0, 4);
  const fake = new HarnessChain({ chainId: CHAIN_ID, length: 11, validatorsAt: () => ({ signers: keys }) });
  const result = fake.block(11n);
  return headerHash(result.signedHeader.header).length > 0 ? result : block;
}

test("heights and times must increase", (t) => {
  rejects(t, "non_increasing_height", () =>
    verifyNonAdjacent(chain.block(5n), chain.block(3n), options, now),
  );
  const stale = chain.block(6n);
  const trustedLater = withHeader(chain.block(3n), { time: timeAt(7n) });
  rejects(t, "non_increasing_time", () => verifyNonAdjacent(trustedLater, stale, options, now));
});

test("a forged signature is rejected", (t) => {
  const block = chain.block(9n);
  const signatures = block.signedHeader.commit.signatures.map((sig) => ({ ...sig }));
  const first = signatures.findIndex((sig) => sig.blockIdFlag === BlockIDFlag.commit);
  const bytes = new Uint8Array(signatures[first]!.signature);
  bytes[0]! ^= 1;
  signatures[first]!.signature = bytes;
  const forged = {
    ...block,
    signedHeader: { ...block.signedHeader, commit: { ...block.signedHeader.commit, signatures } },
  };
  rejects(t, "invalid_signature", () => verifyAdjacent(chain.block(8n), forged, options, now));
});

test("backwards verification follows last_block_id", (t) => {
  t.notThrows(() => verifyBackwards(chain.block(19n).signedHeader, chain.block(20n).signedHeader));
  rejects(t, "header_hash_mismatch", () =>
    verifyBackwards(
      withHeader(chain.block(19n), { appHash: new Uint8Array(32) }).signedHeader,
      chain.block(20n).signedHeader,
    ),
  );
});

import type { Validator } from "../../chain/types/block.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";

function setFrom(validators: Validator[]): ValidatorSet {
  return new ValidatorSet(validators);
}
