// Gossip repair by repetition (until part 2's reactor exists): what the engine re-sends every gossip
// interval, so that lost messages reach every peer eventually.
//
// Votes are small and always repeated. A proposal carries its whole block (hundreds of KB under
// load), and every node repeating it every interval while a slow height went on cost more CPU
// (noise, yamux, gossipsub, decoding) than the votes and txs together (docs/PERFORMANCE.md, Devnet).
// So a proposal is repeated only when someone may lack it: it has been held for a whole interval (a
// proposal that just arrived is still on its way to the others) and not every validator has voted
// for its block in its round yet (a validator that voted for the block has it). Someone else's
// proposal is repeated only while its proposer shows no vote in that round: a proposer that votes is
// alive and repeats its own.
import { blockIdEquals } from "../types/block-id.ts";
import type { ConsensusMessage } from "./tendermint/messages.ts";
import { type ConsensusState, proposerOf } from "./tendermint/state-machine.ts";

/** Own messages of this height, the current round's proposal and votes, and the prevotes of the
 * POL, valid and locked rounds. `heldSinceLastTick`: whether the proposal of a round was already held
 * at the previous repetition (only those are repeated, see above). */
export function repeatedMessages(
  machine: ConsensusState,
  ownMessages: readonly ConsensusMessage[],
  heldSinceLastTick: (round: number) => boolean,
): ConsensusMessage[] {
  const out: ConsensusMessage[] = [];
  const stored = machine.proposals.get(machine.round);
  let storedIsOwn = false;
  for (const message of ownMessages) {
    if (message.kind !== "proposal") {
      out.push(message);
      continue;
    }
    if (stored !== undefined && message.proposal.round === machine.round) storedIsOwn = true;
    if (heldSinceLastTick(message.proposal.round) && !allVotedFor(machine, message)) out.push(message);
  }
  if (stored !== undefined && !storedIsOwn) {
    const message: ConsensusMessage = {
      kind: "proposal",
      proposal: stored.proposal,
      blockBytes: stored.proposed.blockBytes,
    };
    if (heldSinceLastTick(machine.round) && !proposerVoted(machine) && !allVotedFor(machine, message))
      out.push(message);
  }
  const votes = machine.votes.get(machine.round);
  if (votes !== undefined)
    for (const vote of [...votes.prevotes.votes, ...votes.precommits.votes])
      if (vote !== undefined) out.push({ kind: "vote", vote });
  // Proof-of-lock prevotes (CometBFT gossipVotesForHeight): a peer cannot accept a re-proposal
  // (paper line 28) without the 2/3+ prevotes of its pol_round, which lie in an older round.
  const polRounds = new Set([stored?.proposal.polRound ?? -1, machine.validRound, machine.lockedRound]);
  for (const round of polRounds) {
    if (round < 0 || round === machine.round) continue;
    for (const vote of machine.votes.get(round)?.prevotes.votes ?? [])
      if (vote !== undefined) out.push({ kind: "vote", vote });
  }
  return out;
}

/** The proposer of the current round has a prevote or precommit in it. */
function proposerVoted(machine: ConsensusState): boolean {
  const index = machine.validators.getByAddress(proposerOf(machine, machine.round).address)?.index;
  const votes = machine.votes.get(machine.round);
  if (index === undefined || votes === undefined) return false;
  return votes.prevotes.votes[index] !== undefined || votes.precommits.votes[index] !== undefined;
}

/** Every validator has a prevote or a precommit for the proposed block in the proposal's round. */
function allVotedFor(
  machine: ConsensusState,
  message: Extract<ConsensusMessage, { kind: "proposal" }>,
): boolean {
  const { round, blockId } = message.proposal;
  const votes = machine.votes.get(round);
  if (votes === undefined) return false;
  const size = machine.validators.size;
  for (let index = 0; index < size; index++) {
    const prevote = votes.prevotes.votes[index];
    const precommit = votes.precommits.votes[index];
    const voted =
      (prevote !== undefined && blockIdEquals(prevote.blockId, blockId)) ||
      (precommit !== undefined && blockIdEquals(precommit.blockId, blockId));
    if (!voted) return false;
  }
  return true;
}
