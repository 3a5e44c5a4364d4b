// gRPC-style queries of the poa module (abci_query "/sensorchain.poa.v1.Query/<Method>"). Each reads
// committed state at the asked height; every record is also readable with proofs through
// "/store/poa/key" (README.md, State).
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler, QueryStore } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { fromHex, toHex } from "../../chain/crypto/hash.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/poa.js";
import { pageRequest, pageResponse, toBigInt } from "../proto-values.ts";
import { pb, proposalStatusName } from "./codec.ts";
import { poaError } from "./errors.ts";
import {
  CONSENSUS_ADDRESS_BYTES,
  EVIDENCE_PREFIX,
  operatorIndexKey,
  PROPOSAL_PREFIX,
  prefixEnd,
  proposalKey,
  STORE_NAME,
  statusPrefix,
  VALIDATOR_PREFIX,
  validatorKey,
  votesPrefix,
} from "./keys.ts";
import { governanceTotal, tallyProposal } from "./tally.ts";
import { checkAddress } from "./validation.ts";

async function validators(ctx: QueryContext): Promise<Uint8Array> {
  const store = ctx.store(STORE_NAME);
  const start = Uint8Array.of(VALIDATOR_PREFIX);
  const list: sensorchain.poa.v1.IValidator[] = [];
  for await (const [, value] of store.iterate({ start, end: prefixEnd(start)! }))
    list.push(pb.Validator.decode(value));
  return encodeCanonical(pb.QueryValidatorsResponse, {
    validators: list,
    totalPower: toLong(await governanceTotal(store)),
  });
}

async function validator(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryValidatorRequest, data);
  const store = ctx.store(STORE_NAME);
  const byAddress = request.consensusAddress !== "";
  if (byAddress === (request.operator !== ""))
    throw poaError("invalidRequest", "give exactly one of consensus_address and operator");
  let address: Uint8Array | undefined;
  if (byAddress) {
    if (
      !/^[0-9a-fA-F]+$/.test(request.consensusAddress) ||
      request.consensusAddress.length !== CONSENSUS_ADDRESS_BYTES * 2
    )
      throw poaError(
        "invalidRequest",
        `consensus_address must be ${CONSENSUS_ADDRESS_BYTES * 2} hex characters`,
      );
    address = fromHex(request.consensusAddress.toLowerCase());
  } else {
    address = await store.get(operatorIndexKey(checkAddress(request.operator, "operator")));
    if (address === undefined) throw poaError("validatorNotFound", `operator ${request.operator}`);
  }
  const bytes = await store.get(validatorKey(address));
  if (bytes === undefined) throw poaError("validatorNotFound", toHex(address).toUpperCase());
  return encodeCanonical(pb.QueryValidatorResponse, {
    validator: pb.Validator.decode(bytes),
    consensusAddress: toHex(address).toUpperCase(),
  });
}

async function proposalsById(store: QueryStore, ids: bigint[]): Promise<sensorchain.poa.v1.IProposal[]> {
  const list: sensorchain.poa.v1.IProposal[] = [];
  for (const id of ids) {
    const bytes = await store.get(proposalKey(id));
    if (bytes === undefined) throw new Error(`poa state: status index names missing proposal ${id}`);
    list.push(pb.Proposal.decode(bytes));
  }
  return list;
}

const idOf = (suffix: Uint8Array) =>
  new DataView(suffix.buffer, suffix.byteOffset, suffix.byteLength).getBigUint64(0);

async function proposals(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryProposalsRequest, data);
  const store = ctx.store(STORE_NAME);
  const all = (request.status ?? 0) === 0;
  if (!all && proposalStatusName(request.status) === undefined)
    throw poaError("invalidRequest", `unknown proposal status ${request.status}`);
  const ids: bigint[] = [];
  const prefix = all ? Uint8Array.of(PROPOSAL_PREFIX) : statusPrefix(request.status);
  const page = await paginate(store, prefix, pageRequest(request.pagination), (suffix) => {
    ids.push(idOf(suffix));
  });
  return encodeCanonical(pb.QueryProposalsResponse, {
    proposals: await proposalsById(store, ids),
    pagination: pageResponse(page),
  });
}

async function proposal(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryProposalRequest, data);
  const id = toBigInt(request.proposalId);
  const store = ctx.store(STORE_NAME);
  const bytes = await store.get(proposalKey(id));
  if (bytes === undefined) throw poaError("proposalNotFound", `proposal ${id}`);
  const tally = await tallyProposal(store, id);
  return encodeCanonical(pb.QueryProposalResponse, {
    proposal: pb.Proposal.decode(bytes),
    yesPower: toLong(tally.yes),
    noPower: toLong(tally.no),
    totalPower: toLong(tally.total),
  });
}

async function votes(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryVotesRequest, data);
  const id = toBigInt(request.proposalId);
  const store = ctx.store(STORE_NAME);
  if ((await store.get(proposalKey(id))) === undefined) throw poaError("proposalNotFound", `proposal ${id}`);
  const list: sensorchain.poa.v1.IVote[] = [];
  const page = await paginate(store, votesPrefix(id), pageRequest(request.pagination), (_suffix, value) => {
    list.push(pb.Vote.decode(value));
  });
  return encodeCanonical(pb.QueryVotesResponse, { votes: list, pagination: pageResponse(page) });
}

async function evidence(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryEvidenceRequest, data);
  const list: sensorchain.poa.v1.IEvidence[] = [];
  const page = await paginate(
    ctx.store(STORE_NAME),
    Uint8Array.of(EVIDENCE_PREFIX),
    pageRequest(request.pagination),
    (_suffix, value) => {
      list.push(pb.Evidence.decode(value));
    },
  );
  return encodeCanonical(pb.QueryEvidenceResponse, { evidence: list, pagination: pageResponse(page) });
}

export const poaQueries: Record<string, QueryHandler> = {
  "/sensorchain.poa.v1.Query/Validators": validators,
  "/sensorchain.poa.v1.Query/Validator": validator,
  "/sensorchain.poa.v1.Query/Proposals": proposals,
  "/sensorchain.poa.v1.Query/Proposal": proposal,
  "/sensorchain.poa.v1.Query/Votes": votes,
  "/sensorchain.poa.v1.Query/Evidence": evidence,
};
