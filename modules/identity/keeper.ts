// Identity keeper: the rules of soulbound company tokens (one per address, one per profile CID,
// revocation is final), consortium votes on verify / revoke, and the owner and CID indexes.
// Message handlers are thin wrappers; other modules get IdentityReader.
import type { Context } from "../../chain/app/module.ts";
import { weighVotes } from "../poa/tally.ts";
import { type ConsortiumOperators, defaultSectorCodes, type SectorCodes } from "./authority.ts";
import {
  decodeParams,
  decodeToken,
  decodeVote,
  encodeParams,
  encodeToken,
  encodeVote,
  type IdentityParams,
  type IdentityToken,
  type Operator,
  type Vote,
} from "./codec.ts";
import { identityError } from "./errors.ts";
import {
  cidIndexKey,
  decodeTokenId,
  encodeTokenId,
  NEXT_TOKEN_ID_KEY,
  ownerIndexKey,
  PARAMS_KEY,
  prefixEnd,
  STORE_NAME,
  TOKEN_PREFIX,
  tokenKey,
  VOTE_PREFIX,
  type VoteActionName,
  voteKey,
  votePrefix,
} from "./keys.ts";
import {
  COMPANY_CLASS_ID,
  EVENT_COMPANY_REGISTERED,
  EVENT_COMPANY_VERIFIED,
  EVENT_IDENTITY_REVOKED,
  EVENT_IDENTITY_VOTE,
  EVENT_PROFILE_UPDATED,
} from "./type-urls.ts";
import { checkCid } from "./validation.ts";

/** What other modules (market, escrow, a dashboard backend) need: a company's token, if any. */
export interface IdentityReader {
  tokenOf(ctx: Context, owner: string): IdentityToken | undefined;
}

export interface RegisterCompany {
  owner: string;
  profileCid: string;
  /** Binary form of profileCid (validation.ts checkCid). */
  cidBytes: Uint8Array;
  sector: string;
}

export interface VoteResult {
  passed: boolean;
  token: IdentityToken;
}

export class IdentityKeeper implements IdentityReader, ConsortiumOperators {
  #operators: ConsortiumOperators | undefined;
  #sectors: SectorCodes = defaultSectorCodes;

  /** Wires the sources found among the registered modules (module.ts connect). */
  useSources(sources: { operators?: ConsortiumOperators | undefined; sectors?: SectorCodes }): void {
    this.#operators = sources.operators;
    if (sources.sectors !== undefined) this.#sectors = sources.sectors;
  }

  params(ctx: Context): IdentityParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    return bytes === undefined ? { consortiumOperators: [] } : decodeParams(bytes);
  }

  /** Empty params encode to no bytes, which the store cannot prove: then the key is absent. */
  setParams(ctx: Context, params: IdentityParams): void {
    const bytes = encodeParams(params);
    if (bytes.length === 0) ctx.store(STORE_NAME).delete(PARAMS_KEY);
    else ctx.store(STORE_NAME).set(PARAMS_KEY, bytes);
  }

  /** The voting operators: the poa module's when it is wired and names at least one operator, else
   * params.consortium_operators (a chain whose genesis validators have no poa operator records yet
   * still has a consortium authority). */
  consortiumOperators(ctx: Context): readonly Operator[] {
    const fromPoa = this.#operators?.consortiumOperators(ctx);
    return fromPoa !== undefined && fromPoa.length > 0 ? fromPoa : this.params(ctx).consortiumOperators;
  }

  getToken(ctx: Context, id: bigint): IdentityToken | undefined {
    const bytes = ctx.store(STORE_NAME).get(tokenKey(id));
    return bytes === undefined ? undefined : decodeToken(bytes);
  }

  tokenOf(ctx: Context, owner: string): IdentityToken | undefined {
    const id = ctx.store(STORE_NAME).get(ownerIndexKey(owner));
    return id === undefined ? undefined : this.getToken(ctx, decodeTokenId(id));
  }

  nextTokenId(ctx: Context): bigint {
    const bytes = ctx.store(STORE_NAME).get(NEXT_TOKEN_ID_KEY);
    return bytes === undefined ? 1n : decodeTokenId(bytes);
  }

  setNextTokenId(ctx: Context, id: bigint): void {
    ctx.store(STORE_NAME).set(NEXT_TOKEN_ID_KEY, encodeTokenId(id));
  }

  #save(ctx: Context, token: IdentityToken): void {
    ctx.store(STORE_NAME).set(tokenKey(token.tokenId), encodeToken(token));
  }

  #checkCidFree(ctx: Context, cidBytes: Uint8Array, cid: string): void {
    const holder = ctx.store(STORE_NAME).get(cidIndexKey(cidBytes));
    if (holder !== undefined)
      throw identityError("cidInUse", `${cid} is the profile of token ${decodeTokenId(holder)}`);
  }

  /** Mints the company's token: one per address, a known sector, a CID no other token uses. */
  register(ctx: Context, input: RegisterCompany): IdentityToken {
    const store = ctx.store(STORE_NAME);
    if (!this.#sectors.sectorCodes(ctx).includes(input.sector))
      throw identityError(
        "unknownSector",
        `sector ${input.sector} is not in the device params' sector_codes`,
      );
    const held = store.get(ownerIndexKey(input.owner));
    if (held !== undefined)
      throw identityError("tokenExists", `${input.owner} holds token ${decodeTokenId(held)}`);
    this.#checkCidFree(ctx, input.cidBytes, input.profileCid);
    const tokenId = this.nextTokenId(ctx);
    const token: IdentityToken = {
      classId: COMPANY_CLASS_ID,
      tokenId,
      owner: input.owner,
      profileCid: input.profileCid,
      sector: input.sector,
      verified: false,
      status: "active",
      revocationReason: "",
      registrationHeight: ctx.height,
      profileUpdateHeight: 0n,
      verifiedHeight: 0n,
      revokedHeight: 0n,
    };
    this.#save(ctx, token);
    store.set(ownerIndexKey(token.owner), encodeTokenId(tokenId));
    store.set(cidIndexKey(input.cidBytes), encodeTokenId(tokenId));
    this.setNextTokenId(ctx, tokenId + 1n);
    ctx.events.emit(EVENT_COMPANY_REGISTERED, {
      class_id: COMPANY_CLASS_ID,
      token_id: tokenId.toString(),
      owner: token.owner,
      sector: token.sector,
      profile_cid: token.profileCid,
    });
    return token;
  }

  /** Points the owner's active token at a new profile CID (the old CID leaves the index). */
  updateProfile(ctx: Context, owner: string, profileCid: string, cidBytes: Uint8Array): void {
    const token = this.tokenOf(ctx, owner);
    if (token === undefined) throw identityError("tokenNotFound", `${owner} holds no identity token`);
    if (token.status === "revoked")
      throw identityError("tokenRevoked", `token ${token.tokenId}: ${token.revocationReason}`);
    if (token.profileCid === profileCid) throw identityError("sameCid", profileCid);
    this.#checkCidFree(ctx, cidBytes, profileCid);
    const store = ctx.store(STORE_NAME);
    store.delete(cidIndexKey(checkCid(token.profileCid)));
    store.set(cidIndexKey(cidBytes), encodeTokenId(token.tokenId));
    this.#save(ctx, { ...token, profileCid, profileUpdateHeight: ctx.height });
    ctx.events.emit(EVENT_PROFILE_UPDATED, {
      token_id: token.tokenId.toString(),
      owner,
      profile_cid: profileCid,
      previous_cid: token.profileCid,
    });
  }

  /** The voter's power, or notOperator. */
  #operatorPower(voter: string, operators: readonly Operator[]): bigint {
    const found = operators.find((operator) => operator.address === voter);
    if (found === undefined) throw identityError("notOperator", `${voter} is not a consortium operator`);
    return found.power;
  }

  /** Records one operator's vote; applies the action once the current operators who voted hold more
   * than 2/3 of the total power. Votes of addresses that left the operator set do not count. */
  async #vote(
    ctx: Context,
    action: VoteActionName,
    voter: string,
    id: bigint,
    reason: string,
  ): Promise<VoteResult> {
    // Authority first: a non-operator learns nothing about the token from the error.
    const operators = this.consortiumOperators(ctx);
    this.#operatorPower(voter, operators);
    const token = this.getToken(ctx, id);
    if (token === undefined) throw identityError("tokenNotFound", `token ${id}`);
    if (token.status === "revoked")
      throw identityError("tokenRevoked", `token ${id}: ${token.revocationReason}`);
    if (action === "verify" && token.verified) throw identityError("alreadyVerified", `token ${id}`);
    const store = ctx.store(STORE_NAME);
    const key = voteKey(id, action, voter);
    if (store.has(key))
      throw identityError("alreadyVoted", `${voter} already voted to ${action} token ${id}`);
    store.set(key, encodeVote({ tokenId: id, action, voter, reason, height: ctx.height }));
    const { voted, total, passed } = await weighVotes(
      operators,
      this.#votesIn(ctx, votePrefix(id, action)),
      (vote) => vote.voter,
    );
    ctx.events.emit(EVENT_IDENTITY_VOTE, {
      token_id: id.toString(),
      action,
      voter,
      voted_power: voted.toString(),
      total_power: total.toString(),
      passed: String(passed),
    });
    if (!passed) return { passed, token };
    // A revoked token takes no more votes of either kind; a verified one no more verify votes.
    await this.#clearVotes(ctx, votePrefix(id, action === "revoke" ? undefined : action));
    let updated: IdentityToken;
    if (action === "verify") {
      updated = { ...token, verified: true, verifiedHeight: ctx.height };
      ctx.events.emit(EVENT_COMPANY_VERIFIED, { token_id: id.toString(), owner: token.owner });
    } else {
      updated = { ...token, status: "revoked", revocationReason: reason, revokedHeight: ctx.height };
      ctx.events.emit(EVENT_IDENTITY_REVOKED, { token_id: id.toString(), owner: token.owner, reason });
    }
    this.#save(ctx, updated);
    return { passed, token: updated };
  }

  verify(ctx: Context, voter: string, id: bigint): Promise<VoteResult> {
    return this.#vote(ctx, "verify", voter, id, "");
  }

  /** Revocation is final; the reason recorded is that of the vote that passes it. */
  revoke(ctx: Context, voter: string, id: bigint, reason: string): Promise<VoteResult> {
    return this.#vote(ctx, "revoke", voter, id, reason);
  }

  /** Always throws: no message moves an identity token (README.md, "Soulbound"). */
  refuseTransfer(owner: string, id: string, recipient: string): never {
    throw identityError(
      "soulbound",
      `token ${id} of ${owner} cannot be transferred to ${recipient}: company identities are bound to their address`,
    );
  }

  /** Votes under a prefix; bounded by one vote per operator and action (MAX_OPERATORS each). */
  async *#votesIn(ctx: Context, prefix: Uint8Array): AsyncIterable<Vote> {
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      yield decodeVote(value);
  }

  async #clearVotes(ctx: Context, prefix: Uint8Array): Promise<void> {
    const keys: Uint8Array[] = [];
    for await (const [key] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      keys.push(key);
    for (const key of keys) ctx.store(STORE_NAME).delete(key);
  }

  /** Writes a token with its indexes as given (genesis import). */
  importToken(ctx: Context, token: IdentityToken, cidBytes: Uint8Array): void {
    this.#save(ctx, token);
    ctx.store(STORE_NAME).set(ownerIndexKey(token.owner), encodeTokenId(token.tokenId));
    ctx.store(STORE_NAME).set(cidIndexKey(cidBytes), encodeTokenId(token.tokenId));
  }

  importVote(ctx: Context, vote: Vote): void {
    ctx.store(STORE_NAME).set(voteKey(vote.tokenId, vote.action, vote.voter), encodeVote(vote));
  }

  /** Every token in id order. */
  async *iterateTokens(ctx: Context): AsyncIterable<IdentityToken> {
    const start = Uint8Array.of(TOKEN_PREFIX);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decodeToken(value);
  }

  /** Every pending vote in key order (token, action, voter). */
  async *iterateVotes(ctx: Context): AsyncIterable<Vote> {
    const start = Uint8Array.of(VOTE_PREFIX);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decodeVote(value);
  }
}
