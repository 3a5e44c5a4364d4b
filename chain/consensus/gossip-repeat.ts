// Gossip repair by repetition (until part 2's reactor exists): what the engine re-sends every gossip
// interval, so that lost messages reach every peer eventually.
import type { ConsensusMessage } from "./tendermint/messages.ts";
import type { ConsensusState } from "./tendermint/state-machine.ts";

/** Own messages of this height, the current round's proposal and votes, and the prevotes of the
 * POL, valid and locked rounds. */
export function repeatedMessages(
  machine: ConsensusState,
  ownMessages: readonly ConsensusMessage[],
): ConsensusMessage[] {
  const out: ConsensusMessage[] = [...ownMessages];
  const stored = machine.proposals.get(machine.round);
  if (stored !== undefined)
    out.push({ kind: "proposal", proposal: stored.proposal, blockBytes: stored.proposed.blockBytes });
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
