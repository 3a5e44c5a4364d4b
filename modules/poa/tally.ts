// The vote count of a proposal against the current set, shared by the keeper (at every vote) and the
// Proposal query: each voter's vote weighs the current power of the validator it operates (0 once it
// operates none, or a jailed one).
import type { IterateRange } from "../../chain/store/types.ts";
import { validatorCodec, voteCodec } from "./codec.ts";
import { operatorIndexKey, prefixEnd, VALIDATOR_PREFIX, validatorKey, votesPrefix } from "./keys.ts";

/** What both a block Context's store and a query's committed view offer. */
export interface PoaReader {
  get(key: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  iterate(range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]>;
}

export interface Tally {
  yes: bigint;
  no: bigint;
  /** Power of every validator that is not jailed. */
  total: bigint;
}

/** Voting weight of an operator: its validator's power unless jailed; 0 for anyone else. */
export async function governancePower(store: PoaReader, operator: string): Promise<bigint> {
  const address = await store.get(operatorIndexKey(operator));
  if (address === undefined) return 0n;
  const bytes = await store.get(validatorKey(address));
  if (bytes === undefined) throw new Error(`poa state: operator ${operator} indexes a missing validator`);
  const validator = validatorCodec.decode(bytes);
  return validator.jailed ? 0n : validator.power;
}

export async function governanceTotal(store: PoaReader): Promise<bigint> {
  const start = Uint8Array.of(VALIDATOR_PREFIX);
  let total = 0n;
  for await (const [, value] of store.iterate({ start, end: prefixEnd(start)! })) {
    const validator = validatorCodec.decode(value);
    if (!validator.jailed) total += validator.power;
  }
  return total;
}

export async function tallyProposal(store: PoaReader, proposalId: bigint): Promise<Tally> {
  const prefix = votesPrefix(proposalId);
  const tally: Tally = { yes: 0n, no: 0n, total: await governanceTotal(store) };
  for await (const [, value] of store.iterate({ start: prefix, end: prefixEnd(prefix)! })) {
    const vote = voteCodec.decode(value);
    tally[vote.option] += await governancePower(store, vote.voter);
  }
  return tally;
}

/** More than two thirds of the total power, in integers: voted × 3 > total × 2 (exactly 2/3 does not
 * pass; nothing passes an empty total). The consortium's one threshold: poa proposals, market
 * disputes, identity votes and meter attestations all use it. */
export function passesTwoThirds(votedPower: bigint, totalPower: bigint): boolean {
  return totalPower > 0n && votedPower * 3n > totalPower * 2n;
}

/** More than 2/3 of the total voted yes. */
export function passes(tally: Tally): boolean {
  return passesTwoThirds(tally.yes, tally.total);
}

/** Votes weighed against the current operators (market disputes, identity votes). */
export interface WeighedVotes {
  /** Power of the current operators whose votes count. */
  voted: bigint;
  /** Power of all current operators. */
  total: bigint;
  /** voted is more than 2/3 of total. */
  passed: boolean;
}

/** Weighs stored votes by the current power of their voters: each vote that `voterInFavour` names a
 * voter for counts that voter's power in `operators`, and 0 when it operates nothing now (it left
 * the set since it voted). Every vote is read, whether it counts or not. */
export async function weighVotes<Vote>(
  operators: readonly { address: string; power: bigint }[],
  votes: AsyncIterable<Vote>,
  voterInFavour: (vote: Vote) => string | undefined,
): Promise<WeighedVotes> {
  const power = new Map(operators.map((operator) => [operator.address, operator.power]));
  let total = 0n;
  for (const operator of operators) total += operator.power;
  let voted = 0n;
  for await (const vote of votes) {
    const voter = voterInFavour(vote);
    if (voter !== undefined) voted += power.get(voter) ?? 0n;
  }
  return { voted, total, passed: passesTwoThirds(voted, total) };
}
