// `sensorchain tx poa propose-add|propose-remove|propose-reweight|vote` as real CLI processes against
// one real node. Genesis has two validators: the node's (power 10, operated by the faucet) and one
// with power 1 whose operator ("minor") runs no node, so the node alone holds > 2/3 and commits,
// and a proposal by "minor" stays open until the faucet votes. Each verb commits and `sensorchain
// query poa …` shows its effect; each is refused once with the poa module's code
// (modules/poa/README.md) and the query after it shows nothing changed.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { type CliAccount, CliNode, newCliAccount } from "./cli-helpers.ts";

let chain: CliNode;
let minor: CliAccount;
let stranger: CliAccount;
/** Consensus keys: the minor validator's (in genesis) and the one the proposals add. */
const minorKey = ed25519.getPublicKey(new Uint8Array(32).fill(81));
const addedKey = ed25519.getPublicKey(new Uint8Array(32).fill(82));
const hex = (key: Uint8Array) => Buffer.from(key).toString("hex");
const base64 = (key: Uint8Array) => Buffer.from(key).toString("base64");

test.before(async () => {
  minor = await newCliAccount("minor");
  stranger = await newCliAccount("stranger");
  chain = await CliNode.start([minor, stranger], (genesis) => {
    genesis.validators.push({
      address: Buffer.from(ed25519Address(minorKey)).toString("hex").toUpperCase(),
      pub_key: { type: "tendermint/PubKeyEd25519", value: base64(minorKey) },
      power: "1",
      name: "minor",
    });
    genesis.app_state.poa.validators.push({
      pub_key: base64(minorKey),
      power: "1",
      operator: minor.address,
      moniker: "minor",
      node_id: "minor-node",
    });
  });
});

test.after.always(async () => {
  await chain?.stop();
});

/** Power by consensus key (base64) of every validator in the poa module. */
async function powers(): Promise<Record<string, string>> {
  const { validators } = await chain.query(["poa", "validators"]);
  return Object.fromEntries(
    validators.map((validator: { pub_key: string; power?: string }) => [
      validator.pub_key,
      validator.power ?? "0",
    ]),
  );
}
const proposal = async (id: string) => (await chain.query(["poa", "proposal", id])).proposal;

test("propose-add, vote, propose-reweight and propose-remove; each refused once with its code", async (t) => {
  t.timeout(300_000);
  const genesisPowers = await powers();
  t.is(Object.keys(genesisPowers).length, 2);
  t.is(genesisPowers[base64(minorKey)], "1");
  const addOperator = (await newCliAccount("added")).address;
  const add = [
    hex(addedKey),
    "1",
    "--operator",
    addOperator,
    "--moniker",
    "added",
    "--node-id",
    "added-node",
  ];

  // propose-add: a key already in the set (9); "minor" proposes the new key: open, 1 of 11 voted.
  await chain.refused(
    t,
    [
      "poa",
      "propose-add",
      "faucet",
      hex(minorKey),
      "5",
      "--operator",
      addOperator,
      "--moniker",
      "x",
      "--node-id",
      "x",
    ],
    9,
    "poa",
  );
  t.deepEqual((await chain.query(["poa", "proposals"])).proposals, []);
  await chain.tx(t, ["poa", "propose-add", "minor", ...add]);
  t.like(await proposal("1"), { id: "1", proposer: minor.address, status: "PROPOSAL_STATUS_OPEN" });
  t.is((await powers())[base64(addedKey)], undefined, "not added while open");
  // An id above 2^64 - 1 is refused, not wrapped to proposal 1 (2^64 + 1 would turn minor's yes to no).
  await chain.refusedByCli(t, ["poa", "vote", "minor", (2n ** 64n + 1n).toString(), "no"], /at most/);
  await chain.refusedByCli(
    t,
    ["poa", "propose-reweight", "faucet", hex(minorKey), (2n ** 64n + 1n).toString()],
    /at most/,
  );
  t.deepEqual(
    (await chain.query(["poa", "votes", "1"])).votes.map((vote: { option: string }) => vote.option),
    ["VOTE_OPTION_YES"],
  );
  t.is((await chain.query(["poa", "proposals"])).proposals.length, 1);

  // vote: an unknown proposal (15); the faucet's yes passes proposal 1 and adds the key.
  await chain.refused(t, ["poa", "vote", "faucet", "99", "yes"], 15, "poa");
  t.is((await proposal("1")).status, "PROPOSAL_STATUS_OPEN");
  await chain.tx(t, ["poa", "vote", "faucet", "1", "yes"]);
  t.is((await proposal("1")).status, "PROPOSAL_STATUS_PASSED");
  t.is((await powers())[base64(addedKey)], "1");
  t.like((await chain.query(["poa", "validator", addOperator])).validator, {
    operator: addOperator,
    moniker: "added",
    node_id: "added-node",
  });

  // propose-reweight: a key that is no validator (10); the faucet's proposal passes at once (10 of 12).
  const unknownKey = hex(ed25519.getPublicKey(new Uint8Array(32).fill(83)));
  await chain.refused(t, ["poa", "propose-reweight", "faucet", unknownKey, "3"], 10, "poa");
  t.is((await powers())[base64(addedKey)], "1");
  await chain.tx(t, ["poa", "propose-reweight", "faucet", hex(addedKey), "2"]);
  t.is((await proposal("2")).status, "PROPOSAL_STATUS_PASSED");
  t.is((await powers())[base64(addedKey)], "2");

  // propose-remove: only a validator's operator may propose (2); the faucet's passes at once.
  await chain.refused(t, ["poa", "propose-remove", "stranger", hex(addedKey)], 2, "poa");
  t.is((await chain.query(["poa", "proposals"])).proposals.length, 2);
  await chain.tx(t, ["poa", "propose-remove", "faucet", hex(addedKey)]);
  t.is((await proposal("3")).status, "PROPOSAL_STATUS_PASSED");
  t.deepEqual(await powers(), genesisPowers);
});
