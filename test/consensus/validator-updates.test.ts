import { randomBytes } from "node:crypto";
import test from "ava";
import { incrementProposerPriority } from "../../chain/consensus/tendermint/proposer.ts";
import { applyValidatorUpdates, ValidatorUpdateError } from "../../chain/consensus/validator-updates.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";

const keys = Array.from({ length: 5 }, () => new Ed25519Signer(randomBytes(32)).publicKey);
const base = ValidatorSet.fromPubKeys(
  keys.slice(0, 4).map((pubKey) => ({ pubKey, votingPower: 10n })),
).validators.map((v) => ({ ...v }));

test("add: the new validator starts at -1.125 x total power and is not the next proposer", (t) => {
  const updated = applyValidatorUpdates(base, [{ pubKey: keys[4]!, power: 10n }]);
  t.is(updated.length, 5);
  const added = updated.find((v) => Buffer.compare(v.pubKey, keys[4]!) === 0)!;
  t.true(added.proposerPriority < 0n);
  t.true(updated.every((v) => v === added || v.proposerPriority > added.proposerPriority));
  const schedule = incrementProposerPriority(updated, 1);
  t.not(Buffer.compare(schedule.proposer.pubKey, keys[4]!), 0);
  t.notThrows(() => new ValidatorSet(updated));
});

test("re-weight and remove; set order by power then address", (t) => {
  const updated = applyValidatorUpdates(base, [
    { pubKey: keys[0]!, power: 30n },
    { pubKey: keys[1]!, power: 0n },
  ]);
  t.is(updated.length, 3);
  t.is(Buffer.compare(updated[0]!.pubKey, keys[0]!), 0);
  t.is(updated[0]!.votingPower, 30n);
  t.false(updated.some((v) => Buffer.compare(v.pubKey, keys[1]!) === 0));
  const sum = updated.reduce((s, v) => s + v.proposerPriority, 0n);
  t.true(sum >= -3n && sum <= 3n, "priorities centred");
});

test("no updates: an equal copy", (t) => {
  t.deepEqual(applyValidatorUpdates(base, []), base);
});

test("bad change sets are refused", (t) => {
  t.throws(() => applyValidatorUpdates(base, [{ pubKey: keys[4]!, power: 0n }]), {
    instanceOf: ValidatorUpdateError,
  });
  t.throws(
    () =>
      applyValidatorUpdates(base, [
        { pubKey: keys[0]!, power: 5n },
        { pubKey: keys[0]!, power: 6n },
      ]),
    { instanceOf: ValidatorUpdateError },
  );
  t.throws(() => applyValidatorUpdates(base, [{ pubKey: keys[0]!, power: -1n }]), {
    instanceOf: ValidatorUpdateError,
  });
  t.throws(
    () =>
      applyValidatorUpdates(
        base,
        keys.slice(0, 4).map((pubKey) => ({ pubKey, power: 0n })),
      ),
    { instanceOf: ValidatorUpdateError },
  );
});
