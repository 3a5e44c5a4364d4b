// What a Cosmos SDK user does with cosmjs beyond the acceptance tests (test/e2e/cosmjs-client.test.ts),
// against one real node process: StargateClient's sequence, balances and staking calls, a QueryClient
// with the auth, bank and tx extensions (simulate), and a tx broadcast with broadcastTxSync then found
// with getTx.
import type { EncodeObject } from "@cosmjs/proto-signing";
import {
  QueryClient,
  SigningStargateClient,
  StargateClient,
  setupAuthExtension,
  setupBankExtension,
  setupTxExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import test from "ava";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { GetTxsEventRequest, GetTxsEventResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { CHAIN_ID, DENOM, faucetWallet, freshAddress, nodePerFile } from "../helpers/node-process.ts";

const chain = nodePerFile(test);
/** Polls of getTx after broadcastTxSync, 250 ms apart: a block is ~1 s, a loaded machine may take
 * many. */
const MAX_GET_TX_POLLS = 240;
/** What SigningStargateClient's fee "auto" multiplies a simulation by. */
const AUTO_GAS_MULTIPLIER = 1.4;

async function queryClient() {
  const comet = await Comet38Client.connect(chain.node.rpcUrl);
  const query = QueryClient.withExtensions(comet, setupAuthExtension, setupBankExtension, setupTxExtension);
  return { comet, query };
}

const sendMsg = (from: string, to: string, amount: string): EncodeObject => ({
  typeUrl: "/cosmos.bank.v1beta1.MsgSend",
  value: { fromAddress: from, toAddress: to, amount: [{ denom: DENOM, amount }] },
});

test.serial(
  "StargateClient: chain id, getSequence, and an unknown account (refused, no balances)",
  async (t) => {
    const client = await StargateClient.connect(chain.node.rpcUrl);
    t.teardown(() => client.disconnect());
    t.is(await client.getChainId(), CHAIN_ID);
    const { accountNumber, sequence } = await client.getSequence(chain.home.faucetAddress);
    const account = await client.getAccount(chain.home.faucetAddress);
    t.is(accountNumber, account!.accountNumber);
    t.is(sequence, account!.sequence);
    const unknown = await freshAddress();
    await t.throwsAsync(client.getSequence(unknown), { message: /does not exist on chain/ });
    t.deepEqual(await client.getAllBalances(unknown), []);
  },
);

test.serial(
  "getBalanceStaked: there is no staking module, so the query fails naming the missing path",
  async (t) => {
    const client = await StargateClient.connect(chain.node.rpcUrl);
    t.teardown(() => client.disconnect());
    await t.throwsAsync(client.getBalanceStaked(chain.home.faucetAddress), {
      message:
        /Query failed with \(6\): no query handler for path \/cosmos\.staking\.v1beta1\.Query\/DelegatorDelegations/,
    });
  },
);

test.serial("QueryClient auth and bank extensions answer as StargateClient does", async (t) => {
  const { comet, query } = await queryClient();
  t.teardown(() => comet.disconnect());
  const client = await StargateClient.connect(chain.node.rpcUrl);
  t.teardown(() => client.disconnect());
  const any = await query.auth.account(chain.home.faucetAddress);
  t.is(any?.typeUrl, "/cosmos.auth.v1beta1.BaseAccount");
  const account = BaseAccount.decode(any!.value);
  t.is(account.address, chain.home.faucetAddress);
  t.is(account.sequence, BigInt((await client.getSequence(chain.home.faucetAddress)).sequence));
  // As the SDK: an unknown account is a NotFound query error (StargateClient.getAccount maps it to null).
  await t.throwsAsync(query.auth.account(await freshAddress()), { message: /code = NotFound/ });
  const balance = await query.bank.balance(chain.home.faucetAddress, DENOM);
  t.deepEqual(balance, await client.getBalance(chain.home.faucetAddress, DENOM));
  t.deepEqual(await query.bank.allBalances(chain.home.faucetAddress), [balance]);
  const supply = await query.bank.supplyOf(DENOM);
  t.deepEqual(
    (await query.bank.totalSupply()).supply.find((coin) => coin.denom === DENOM),
    supply,
  );
  t.true(BigInt(supply.amount) >= BigInt(balance.amount));
});

test.serial("tx.simulate estimates what the tx uses; broadcastTxSync, then getTx finds it", async (t) => {
  const { comet, query } = await queryClient();
  t.teardown(() => comet.disconnect());
  const { wallet, address } = await faucetWallet();
  const [signer] = await wallet.getAccounts();
  const signing = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet);
  t.teardown(() => signing.disconnect());
  const recipient = await freshAddress();
  const msg = sendMsg(address, recipient, "4321");
  const { sequence } = await signing.getSequence(address);
  const simulated = await query.tx.simulate(
    [signing.registry.encodeAsAny(msg)],
    "",
    { type: "tendermint/PubKeySecp256k1", value: Buffer.from(signer!.pubkey).toString("base64") },
    sequence,
  );
  const simulatedGas = simulated.gasInfo!.gasUsed;
  t.true(simulatedGas > 0n);
  const raw = await signing.sign(
    address,
    [msg],
    { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" },
    "",
  );
  const hash = await signing.broadcastTxSync(TxRaw.encode(raw).finish());
  t.regex(hash, /^[0-9A-F]{64}$/);
  let found = await signing.getTx(hash);
  for (let poll = 0; found === null && poll < MAX_GET_TX_POLLS; poll++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    found = await signing.getTx(hash);
  }
  t.truthy(found, `tx ${hash} not found`);
  t.is(found!.code, 0);
  t.is(found!.hash, hash);
  // What fee "auto" sets as the gas limit covers what the tx then uses.
  t.true(Number(found!.gasUsed) <= Number(simulatedGas) * AUTO_GAS_MULTIPLIER);
  t.deepEqual(await signing.getBalance(recipient, DENOM), { denom: DENOM, amount: "4321" });
  t.is((await signing.getSequence(address)).sequence, sequence + 1);
});

// The SDK routes cosmos.tx.v1beta1.Service (GetTx, GetTxsEvent) through abci_query too
// (authtx.RegisterTxService on the gRPC query router), so cosmjs' tx extension can look a tx up.
test.serial("QueryClient tx.getTx finds a committed tx; GetTxsEvent finds it by recipient", async (t) => {
  const { comet, query } = await queryClient();
  t.teardown(() => comet.disconnect());
  const { wallet, address } = await faucetWallet();
  const signing = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet);
  t.teardown(() => signing.disconnect());
  const recipient = await freshAddress();
  const result = await signing.signAndBroadcast(address, [sendMsg(address, recipient, "1")], {
    amount: [{ denom: DENOM, amount: "5000" }],
    gas: "200000",
  });
  const answer = await query.tx.getTx(result.transactionHash);
  const response = answer.txResponse!;
  t.is(response.txhash, result.transactionHash);
  t.is(response.code, 0);
  t.is(response.height, BigInt(result.height));
  t.is(response.gasUsed, result.gasUsed);
  t.is(response.gasWanted, result.gasWanted);
  t.regex(response.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(response.tx?.typeUrl, "/cosmos.tx.v1beta1.Tx");
  t.deepEqual(
    response.events.map((event) => event.type),
    result.events.map((event) => event.type),
  );
  const msg = answer.tx!.body!.messages[0]!;
  t.is(msg.typeUrl, "/cosmos.bank.v1beta1.MsgSend");
  t.is(MsgSend.decode(msg.value).toAddress, recipient);
  await t.throwsAsync(query.tx.getTx("00".repeat(32)), { message: /tx not found/ });
  await t.throwsAsync(query.tx.getTx("not-a-hash"), { message: /64 hex characters/ });

  const byEvent = GetTxsEventResponse.decode(
    await query
      .queryAbci(
        "/cosmos.tx.v1beta1.Service/GetTxsEvent",
        GetTxsEventRequest.encode(
          GetTxsEventRequest.fromPartial({ query: `transfer.recipient='${recipient}'`, limit: 10n }),
        ).finish(),
      )
      .then((r) => r.value),
  );
  t.is(byEvent.total, 1n);
  t.deepEqual(
    byEvent.txResponses.map((r) => r.txhash),
    [result.transactionHash],
  );
});

test.serial("QueryClient bank.denomsMetadata lists the denom metadata (none in this genesis)", async (t) => {
  const { comet, query } = await queryClient();
  t.teardown(() => comet.disconnect());
  t.deepEqual(await query.bank.denomsMetadata(), []);
  // SpendableBalances: nothing is locked or vesting, so it is every balance.
  const spendable = QuerySpendableBalancesResponse.decode(
    (
      await query.queryAbci(
        "/cosmos.bank.v1beta1.Query/SpendableBalances",
        QuerySpendableBalancesRequest.encode({ address: chain.home.faucetAddress }).finish(),
      )
    ).value,
  );
  t.deepEqual(spendable.balances, await query.bank.allBalances(chain.home.faucetAddress));
});
