// Message handlers of the poa module: decode, stateless checks, signer (the proposer or voting
// operator), then one keeper call. The rules live in the keeper.
import type { AnyMsgHandler, MsgHandler } from "../../chain/app/module.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/poa.js";
import { toBigInt } from "../proto-values.ts";
import { PROPOSAL_STATUSES, pb, voteOptionName } from "./codec.ts";
import { poaError } from "./errors.ts";
import type { PoaKeeper } from "./keeper.ts";
import { MSG_PROPOSE_VALIDATOR_CHANGE, MSG_VOTE_VALIDATOR_CHANGE } from "./type-urls.ts";
import { checkAddress, checkChange, checkExpiryBlocks } from "./validation.ts";

type v1 = typeof sensorchain.poa.v1;
type Propose = InstanceType<v1["MsgProposeValidatorChange"]>;
type VoteMsg = InstanceType<v1["MsgVoteValidatorChange"]>;

function changeOf(msg: Propose) {
  return checkChange({
    kind: msg.kind,
    pubKey: msg.pubKey,
    power: toBigInt(msg.power),
    operator: msg.operator,
    moniker: msg.moniker,
    nodeId: msg.nodeId,
  });
}

function optionOf(msg: VoteMsg) {
  const option = voteOptionName(msg.option);
  if (option === undefined) throw poaError("invalidVote", "option must be yes or no");
  return option;
}

function proposalIdOf(msg: VoteMsg): bigint {
  const id = toBigInt(msg.proposalId);
  if (id === 0n) throw poaError("proposalNotFound", "proposal_id 0");
  return id;
}

export function poaMsgs(keeper: PoaKeeper): Record<string, AnyMsgHandler> {
  const propose: MsgHandler<Propose> = {
    decode: (bytes) => pb.MsgProposeValidatorChange.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.proposer, "proposer");
      changeOf(msg);
      checkExpiryBlocks(toBigInt(msg.expiryBlocks));
    },
    signers: (msg) => [msg.proposer],
    async handle(ctx, msg) {
      const proposal = await keeper.propose(ctx, msg.proposer, changeOf(msg), toBigInt(msg.expiryBlocks));
      return {
        typeUrl: `${MSG_PROPOSE_VALIDATOR_CHANGE}Response`,
        value: encodeCanonical(pb.MsgProposeValidatorChangeResponse, {
          proposalId: toLong(proposal.id),
          status: PROPOSAL_STATUSES[proposal.status],
        }),
      };
    },
  };
  const vote: MsgHandler<VoteMsg> = {
    decode: (bytes) => pb.MsgVoteValidatorChange.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.operator, "operator");
      proposalIdOf(msg);
      optionOf(msg);
    },
    signers: (msg) => [msg.operator],
    async handle(ctx, msg) {
      const proposal = await keeper.vote(ctx, msg.operator, proposalIdOf(msg), optionOf(msg));
      return {
        typeUrl: `${MSG_VOTE_VALIDATOR_CHANGE}Response`,
        value: encodeCanonical(pb.MsgVoteValidatorChangeResponse, {
          status: PROPOSAL_STATUSES[proposal.status],
        }),
      };
    },
  };
  return { [MSG_PROPOSE_VALIDATOR_CHANGE]: propose, [MSG_VOTE_VALIDATOR_CHANGE]: vote };
}
