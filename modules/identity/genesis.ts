// app_state.identity: sensorchain.identity.v1.GenesisState in proto3 JSON with snake_case field
// names (as the SDK writes genesis): enums by name, uint64 as strings. Import checks every record
// and rebuilds the owner and CID indexes; export writes tokens in id order, then pending votes.
import type { Context } from "../../chain/app/module.ts";
import { type GenesisMessageType, genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
import { toBigInt } from "../proto-values.ts";
import {
  type IdentityParams,
  type IdentityToken,
  paramsToProto,
  pb,
  tokenFromProto,
  tokenToProto,
  type Vote,
  voteFromProto,
  voteToProto,
} from "./codec.ts";
import type { IdentityKeeper } from "./keeper.ts";
import { COMPANY_CLASS_ID } from "./type-urls.ts";
import { checkAddress, checkCid, checkParams, checkReason, checkSectorCode } from "./validation.ts";

export interface IdentityGenesis {
  params: IdentityParams;
  tokens: { token: IdentityToken; cidBytes: Uint8Array }[];
  nextTokenId: bigint;
  votes: Vote[];
}

/** No operators by default: `sensorchain genesis` setups list the consortium's operator addresses. */
export function defaultIdentityGenesis(): Json {
  return { params: { consortium_operators: [] }, tokens: [], next_token_id: "1", votes: [] };
}

const { fail, at, decode } = genesisChecks("identity");

function parseToken(message: InstanceType<typeof pb.IdentityToken>, field: string) {
  const token = at(field, () => tokenFromProto(message));
  if (token.classId !== COMPANY_CLASS_ID) fail(`${field}.class_id must be ${COMPANY_CLASS_ID}`);
  if (token.tokenId === 0n) fail(`${field}.token_id must be at least 1`);
  at(`${field}.owner`, () => checkAddress(token.owner, "owner"));
  const cidBytes = at(`${field}.profile_cid`, () => checkCid(token.profileCid));
  // Sectors are checked against the list only at registration: a code removed later stays valid.
  at(`${field}.sector`, () => checkSectorCode(token.sector));
  if (token.status === "revoked") at(`${field}.revocation_reason`, () => checkReason(token.revocationReason));
  else if (token.revocationReason !== "") fail(`${field}: an active token has no revocation_reason`);
  return { token, cidBytes };
}

export function parseIdentityGenesis(value: unknown): IdentityGenesis {
  const message = decode(value, pb.GenesisState);
  const params = at("params", () => checkParams(message.params));
  const owners = new Set<string>();
  const cids = new Set<string>();
  const ids = new Set<bigint>();
  let largest = 0n;
  const tokens = message.tokens.map((item, index) => {
    const parsed = parseToken(item as InstanceType<typeof pb.IdentityToken>, `tokens[${index}]`);
    const { token } = parsed;
    if (ids.has(token.tokenId)) fail(`duplicate token id ${token.tokenId}`);
    if (owners.has(token.owner)) fail(`${token.owner} holds two tokens`);
    if (cids.has(token.profileCid)) fail(`two tokens have profile ${token.profileCid}`);
    ids.add(token.tokenId);
    owners.add(token.owner);
    cids.add(token.profileCid);
    if (token.tokenId > largest) largest = token.tokenId;
    return parsed;
  });
  let nextTokenId = toBigInt(message.nextTokenId);
  if (nextTokenId === 0n) nextTokenId = largest + 1n;
  if (nextTokenId <= largest) fail(`next_token_id ${nextTokenId} is not above token ${largest}`);
  const seenVotes = new Set<string>();
  const votes = message.votes.map((item, index) => {
    const vote = at(`votes[${index}]`, () => voteFromProto(item));
    at(`votes[${index}].voter`, () => checkAddress(vote.voter, "voter"));
    if (!ids.has(vote.tokenId)) fail(`votes[${index}]: no token ${vote.tokenId}`);
    if (vote.action === "revoke") at(`votes[${index}].reason`, () => checkReason(vote.reason));
    const key = `${vote.tokenId}/${vote.action}/${vote.voter}`;
    if (seenVotes.has(key)) fail(`votes[${index}]: duplicate vote ${key}`);
    seenVotes.add(key);
    return vote;
  });
  return { params, tokens, nextTokenId, votes };
}

export function initIdentityGenesis(ctx: Context, keeper: IdentityKeeper, genesis: IdentityGenesis): void {
  keeper.setParams(ctx, genesis.params);
  for (const { token, cidBytes } of genesis.tokens) keeper.importToken(ctx, token, cidBytes);
  keeper.setNextTokenId(ctx, genesis.nextTokenId);
  for (const vote of genesis.votes) keeper.importVote(ctx, vote);
}

const toJson = <T>(type: GenesisMessageType<T>, message: object) =>
  messageToGenesisJson(type, message, { longs: String, enums: String, bytes: String });

export async function exportIdentityGenesis(ctx: Context, keeper: IdentityKeeper): Promise<Json> {
  const tokens: unknown[] = [];
  for await (const token of keeper.iterateTokens(ctx))
    tokens.push(toJson(pb.IdentityToken, tokenToProto(token)));
  const votes: unknown[] = [];
  for await (const vote of keeper.iterateVotes(ctx)) votes.push(toJson(pb.Vote, voteToProto(vote)));
  // protobufjs's toObject leaves an empty repeated field out; the genesis lists no operators as [].
  const params = toJson(pb.Params, paramsToProto(keeper.params(ctx))) as Json;
  return {
    params: { consortium_operators: [], ...params },
    tokens,
    next_token_id: keeper.nextTokenId(ctx).toString(),
    votes,
  };
}
