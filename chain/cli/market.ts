// The market module on the command line:
//   sensorchain tx market create <from> <device-id> --stake 10000usensor --price 100usensor --period 86400
//   sensorchain tx market update <from> <listing-id> --price <coin>
//   sensorchain tx market increase-stake <from> <listing-id> <coin>
//   sensorchain tx market buy <from> <listing-id> --gateway <operator> [--periods n]
//   sensorchain tx market challenge <from> <listing-id> <coin> [--reason text]
//   sensorchain tx market vote <from> <listing-id> seller|challengers       (validator operators)
//   sensorchain tx market delist|withdraw <from> <listing-id>
//   sensorchain query market listing|listings|by-seller|by-device|grant|grants-by-buyer|
//                            grants-by-device|has-access|challenges|disputes|votes|params
import type { Command } from "commander";
import {
  MSG_BUY_ACCESS,
  MSG_CHALLENGE_LISTING,
  MSG_CREATE_LISTING,
  MSG_DELIST,
  MSG_INCREASE_STAKE,
  MSG_UPDATE_LISTING,
  MSG_VOTE_DISPUTE,
  MSG_WITHDRAW_STAKE,
  market as pb,
  QUERY_MARKET_CHALLENGES,
  QUERY_MARKET_DISPUTE_VOTES,
  QUERY_MARKET_DISPUTES,
  QUERY_MARKET_GRANT,
  QUERY_MARKET_GRANTS_BY_BUYER,
  QUERY_MARKET_GRANTS_BY_DEVICE,
  QUERY_MARKET_HAS_ACCESS,
  QUERY_MARKET_LISTING,
  QUERY_MARKET_LISTING_BY_DEVICE,
  QUERY_MARKET_LISTINGS,
  QUERY_MARKET_LISTINGS_BY_SELLER,
  QUERY_MARKET_PARAMS,
  Verdict,
} from "../../client/market.ts";
import { toLong } from "../../proto/canonical.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  checkDeviceId,
  MAX_INT64,
  MAX_UINT32,
  MAX_UINT64,
  NODE_OPTION,
  pagedQuery,
  type pagination,
  printQuery,
  type QueryResponseType,
  type TxFlags,
  txOptions,
} from "./module-tx.ts";
import { checkAddress } from "./query.ts";

const COIN_PATTERN = /^([0-9]{1,78})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;

function coin(text: string, what: string): { denom: string; amount: string } {
  const match = COIN_PATTERN.exec(text.trim());
  if (match === null)
    throw new CliError("invalid_coin", `${what} must look like 1000usensor, got ${JSON.stringify(text)}`);
  return { amount: match[1]!, denom: match[2]! };
}

/** A positive integer up to `max` (the field's protobuf width), refused rather than wrapped. */
function positive(text: string, what: string, max = MAX_UINT64): bigint {
  if (!/^[1-9][0-9]{0,19}$/.test(text))
    throw new CliError("invalid_flag", `${what} must be a positive integer, got ${JSON.stringify(text)}`);
  const value = BigInt(text);
  if (value > max) throw new CliError("invalid_flag", `${what} must be at most ${max}, got ${text}`);
  return value;
}

/** A tx subcommand `<from> <listing-id> …` whose message is built from the signer and the id. */
function listingTx(
  market: Command,
  name: string,
  description: string,
  configure: (command: Command) => Command,
  build: (
    signer: string,
    listingId: bigint,
    args: string[],
    flags: Record<string, string>,
  ) => { typeUrl: string; value: object },
): void {
  const command = configure(
    market
      .command(name)
      .description(description)
      .argument("<from>", "key name or address in the keyring")
      .argument("<listing-id>", "listing id"),
  );
  txOptions(command).action(async (...input: unknown[]) => {
    const cmd = input[input.length - 1] as Command;
    const flags = input[input.length - 2] as TxFlags & Record<string, string>;
    const [from, id, ...rest] = input.slice(0, -2) as string[];
    const listingId = positive(id!, "listing id");
    await broadcastMsgs(cmd, from!, flags, `market ${name} on listing ${listingId}`, (signer) => [
      build(signer, listingId, rest, flags),
    ]);
  });
}

function registerMarketTx(tx: Command): void {
  const market = tx.command("market").description("market module transactions");
  txOptions(
    market
      .command("create")
      .description("stake tokens to list a device you own")
      .argument("<from>", "key name or address: the device owner")
      .argument("<device-id>", "SSSS_NNNN")
      .requiredOption("--stake <coin>", "stake, e.g. 10000usensor (ranking is by stake)")
      .requiredOption("--price <coin>", "price of one access period, e.g. 100usensor")
      .requiredOption("--period <seconds>", "length of one access period in seconds"),
  ).action(
    async (
      from: string,
      id: string,
      flags: TxFlags & { stake: string; price: string; period: string },
      command: Command,
    ) => {
      const value = {
        deviceId: checkDeviceId(id),
        stake: coin(flags.stake, "--stake"),
        price: coin(flags.price, "--price"),
        periodSeconds: toLong(positive(flags.period, "--period")),
      };
      await broadcastMsgs(command, from, flags, `list device ${id}`, (seller) => [
        { typeUrl: MSG_CREATE_LISTING, value: { seller, ...value } },
      ]);
    },
  );
  listingTx(
    market,
    "update",
    "set a new price per period",
    (c) => c.requiredOption("--price <coin>", "new price"),
    (seller, listingId, _, flags) => ({
      typeUrl: MSG_UPDATE_LISTING,
      value: { seller, listingId: toLong(listingId), price: coin(flags.price!, "--price") },
    }),
  );
  listingTx(
    market,
    "increase-stake",
    "add to a listing's stake",
    (c) => c.argument("<amount>", "coin, e.g. 500usensor"),
    (seller, listingId, [amount]) => ({
      typeUrl: MSG_INCREASE_STAKE,
      value: { seller, listingId: toLong(listingId), amount: coin(amount!, "amount") },
    }),
  );
  listingTx(
    market,
    "buy",
    "buy access periods; the gateway is the validator operator whose bridge routes the data",
    (c) =>
      c
        .requiredOption("--gateway <operator>", "sensor1… address of a validator operator")
        .option("--periods <n>", "periods to buy", "1"),
    (buyer, listingId, _, flags) => ({
      typeUrl: MSG_BUY_ACCESS,
      value: {
        buyer,
        listingId: toLong(listingId),
        periods: Number(positive(flags.periods ?? "1", "--periods", MAX_UINT32)),
        gateway: checkAddress(flags.gateway!, "--gateway"),
      },
    }),
  );
  listingTx(
    market,
    "challenge",
    "stake a challenge against a listing you bought access on",
    (c) => c.argument("<stake>", "coin, e.g. 100usensor").option("--reason <text>", "why", ""),
    (challenger, listingId, [stake], flags) => ({
      typeUrl: MSG_CHALLENGE_LISTING,
      value: {
        challenger,
        listingId: toLong(listingId),
        stake: coin(stake!, "stake"),
        reason: flags.reason ?? "",
      },
    }),
  );
  listingTx(
    market,
    "vote",
    "vote on a dispute as a validator operator (resolves at > 2/3 of power)",
    (c) => c.argument("<verdict>", "seller or challengers"),
    (arbiter, listingId, [verdict]) => {
      const verdicts: Record<string, number> = {
        seller: Verdict.VERDICT_SELLER_WINS,
        challengers: Verdict.VERDICT_CHALLENGERS_WIN,
      };
      const value = verdicts[verdict ?? ""];
      if (value === undefined)
        throw new CliError(
          "invalid_flag",
          `verdict must be seller or challengers, got ${JSON.stringify(verdict)}`,
        );
      return { typeUrl: MSG_VOTE_DISPUTE, value: { arbiter, listingId: toLong(listingId), verdict: value } };
    },
  );
  listingTx(
    market,
    "delist",
    "start the cooldown after which the stake can be withdrawn",
    (c) => c,
    (seller, listingId) => ({
      typeUrl: MSG_DELIST,
      value: { seller, listingId: toLong(listingId) },
    }),
  );
  listingTx(
    market,
    "withdraw",
    "take the stake back after the delist cooldown",
    (c) => c,
    (seller, listingId) => ({
      typeUrl: MSG_WITHDRAW_STAKE,
      value: { seller, listingId: toLong(listingId) },
    }),
  );
}

function registerMarketQuery(query: Command): void {
  const market = query.command("market").description("market module queries");
  const one = (
    name: string,
    description: string,
    argument: string,
    path: string,
    encode: (arg: string) => Uint8Array,
    type: QueryResponseType,
  ) =>
    market
      .command(name)
      .description(description)
      .argument(argument)
      .option(...NODE_OPTION)
      .action((arg: string, flags: { node?: string }, command: Command) =>
        printQuery(command, flags.node, path, encode(arg), type),
      );
  one(
    "listing",
    "one listing by id",
    "<listing-id>",
    QUERY_MARKET_LISTING,
    (id) => pb.QueryListingRequest.encode({ listingId: toLong(positive(id, "listing id")) }).finish(),
    pb.QueryListingResponse,
  );
  one(
    "by-device",
    "the live listing of a device",
    "<device-id>",
    QUERY_MARKET_LISTING_BY_DEVICE,
    (id) => pb.QueryListingByDeviceRequest.encode({ deviceId: checkDeviceId(id) }).finish(),
    pb.QueryListingResponse,
  );
  one(
    "grant",
    "one access grant by id",
    "<grant-id>",
    QUERY_MARKET_GRANT,
    (id) => pb.QueryGrantRequest.encode({ grantId: toLong(positive(id, "grant id")) }).finish(),
    pb.QueryGrantResponse,
  );
  one(
    "votes",
    "arbiter votes on a listing's dispute",
    "<listing-id>",
    QUERY_MARKET_DISPUTE_VOTES,
    (id) => pb.QueryDisputeVotesRequest.encode({ listingId: toLong(positive(id, "listing id")) }).finish(),
    pb.QueryDisputeVotesResponse,
  );
  const paged = (
    name: string,
    description: string,
    argument: string | undefined,
    path: string,
    encode: (argument: string, page: ReturnType<typeof pagination>) => Uint8Array,
    type: QueryResponseType,
  ) => pagedQuery(market, { name, description, argument, what: "items" }, path, encode, type);
  paged(
    "listings",
    "active listings by stake, highest first",
    undefined,
    QUERY_MARKET_LISTINGS,
    (_, page) => pb.QueryListingsRequest.encode({ pagination: page }).finish(),
    pb.QueryListingsResponse,
  );
  paged(
    "by-seller",
    "listings of a seller",
    "<seller>",
    QUERY_MARKET_LISTINGS_BY_SELLER,
    (seller, page) =>
      pb.QueryListingsBySellerRequest.encode({
        seller: checkAddress(seller, "seller"),
        pagination: page,
      }).finish(),
    pb.QueryListingsResponse,
  );
  paged(
    "grants-by-buyer",
    "access grants of a buyer",
    "<buyer>",
    QUERY_MARKET_GRANTS_BY_BUYER,
    (buyer, page) =>
      pb.QueryGrantsByBuyerRequest.encode({ buyer: checkAddress(buyer, "buyer"), pagination: page }).finish(),
    pb.QueryGrantsResponse,
  );
  paged(
    "grants-by-device",
    "access grants on a device",
    "<device-id>",
    QUERY_MARKET_GRANTS_BY_DEVICE,
    (id, page) =>
      pb.QueryGrantsByDeviceRequest.encode({ deviceId: checkDeviceId(id), pagination: page }).finish(),
    pb.QueryGrantsResponse,
  );
  paged(
    "challenges",
    "open challenges of a listing",
    "<listing-id>",
    QUERY_MARKET_CHALLENGES,
    (id, page) =>
      pb.QueryChallengesRequest.encode({
        listingId: toLong(positive(id, "listing id")),
        pagination: page,
      }).finish(),
    pb.QueryChallengesResponse,
  );
  paged(
    "disputes",
    "open disputes",
    undefined,
    QUERY_MARKET_DISPUTES,
    (_, page) => pb.QueryDisputesRequest.encode({ pagination: page }).finish(),
    pb.QueryDisputesResponse,
  );
  market
    .command("has-access")
    .description("does an account hold a grant on a device at a time")
    .argument("<device-id>")
    .argument("<account>")
    .argument("<unix-seconds>")
    .option(...NODE_OPTION)
    .action((id: string, account: string, at: string, flags: { node?: string }, command: Command) =>
      printQuery(
        command,
        flags.node,
        QUERY_MARKET_HAS_ACCESS,
        pb.QueryHasAccessRequest.encode({
          deviceId: checkDeviceId(id),
          account: checkAddress(account, "account"),
          at: toLong(positive(at, "time", MAX_INT64)),
        }).finish(),
        pb.QueryHasAccessResponse,
      ),
    );
  market
    .command("params")
    .description("market params")
    .option(...NODE_OPTION)
    .action((flags: { node?: string }, command: Command) =>
      printQuery(command, flags.node, QUERY_MARKET_PARAMS, new Uint8Array(0), pb.QueryParamsResponse),
    );
}

export function registerMarket(program: Command): void {
  addModuleVerbs(program, "market", { tx: registerMarketTx, query: registerMarketQuery });
}
