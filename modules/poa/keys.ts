// State layout of the poa module in store "poa" (README.md documents it byte by byte), and the
// bounds on what the consortium's governance may hold.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "poa";
export const STORE_NAME = "poa";

/** 0x00 → sensorchain.poa.v1.Sequences (next proposal id, next queue sequence). */
export const SEQUENCES_KEY = Uint8Array.of(0x00);
/** 0x01 | consensus address (20) → sensorchain.poa.v1.Validator. */
export const VALIDATOR_PREFIX = 0x01;
/** 0x02 | len(operator) | operator address bytes → consensus address (20): one validator an operator. */
export const OPERATOR_INDEX_PREFIX = 0x02;
/** 0x03 | proposal id (8, big-endian) → sensorchain.poa.v1.Proposal. */
export const PROPOSAL_PREFIX = 0x03;
/** 0x04 | status (1) | proposal id (8) → 0x01: proposals by status, in id order. */
export const STATUS_INDEX_PREFIX = 0x04;
/** 0x05 | expiry height (8) | proposal id (8) → 0x01: open proposals by the height they expire after. */
export const EXPIRY_INDEX_PREFIX = 0x05;
/** 0x06 | proposal id (8) | len(voter) | voter address bytes → sensorchain.poa.v1.Vote. */
export const VOTE_PREFIX = 0x06;
/** 0x07 | class (1: 0x00 jailing, 0x01 governance) | sequence (8) → sensorchain.poa.v1.QueuedChange. */
export const QUEUE_PREFIX = 0x07;
/** 0x08 | infraction height (8) | consensus address (20) → sensorchain.poa.v1.Evidence. */
export const EVIDENCE_PREFIX = 0x08;
/** 0x09 → every validator's consensus address (20 bytes each, ascending, concatenated; absent when
 * empty): lets other modules read the set synchronously (store iteration is async). */
export const VALIDATOR_SET_KEY = Uint8Array.of(0x09);

export const QUEUE_CLASS_JAIL = 0x00;
export const QUEUE_CLASS_GOVERNANCE = 0x01;

/** Index entries carry no data; the SMT stores a non-empty value. */
export const INDEX_MARKER = Uint8Array.of(0x01);

/** CometBFT address length: sha256(pub_key)[:20]. */
export const CONSENSUS_ADDRESS_BYTES = 20;
/** ed25519 public key length (RFC 8032). */
export const PUBLIC_KEY_BYTES = 32;
/** A consortium has tens of validators; this bounds every tally (one read per voter) and the set. */
export const MAX_VALIDATORS = 100;
/** CometBFT MaxTotalVotingPower: int64 max / 8, so proposer priorities cannot overflow. */
export const MAX_TOTAL_VOTING_POWER = ((1n << 63n) - 1n) / 8n;
/** Open proposals at once: bounds the expiry scan of EndBlock and state kept for undecided work. */
export const MAX_OPEN_PROPOSALS = 64;
/** Open proposals of one proposer: one operator cannot fill every slot. */
export const MAX_OPEN_PROPOSALS_PER_PROPOSER = 4;
/** Longest voting window, in blocks: one week at 1 s blocks. */
export const MAX_EXPIRY_BLOCKS = 604_800n;
/** Cosmos SDK staking MaxMonikerLength, in UTF-8 bytes. */
export const MAX_MONIKER_BYTES = 70;
/** libp2p peer ids are ~52 characters (base58 multihash) or 40 hex (CometBFT); room for either. */
export const MAX_NODE_ID_BYTES = 128;
/** Reasons recorded on failed proposals are ours; bounded anyway (state and events). */
export const MAX_FAILURE_REASON_BYTES = 256;

export function uint64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value);
  return bytes;
}

export function readUint64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

function addressPart(address: string): Uint8Array {
  const bytes = decodeAddress(address);
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

export function validatorKey(consensusAddress: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(VALIDATOR_PREFIX), consensusAddress);
}

export function operatorIndexKey(operator: string): Uint8Array {
  return concatBytes(Uint8Array.of(OPERATOR_INDEX_PREFIX), addressPart(operator));
}

export function proposalKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(PROPOSAL_PREFIX), uint64Bytes(id));
}

export function statusPrefix(status: number): Uint8Array {
  return Uint8Array.of(STATUS_INDEX_PREFIX, status);
}

export function statusIndexKey(status: number, id: bigint): Uint8Array {
  return concatBytes(statusPrefix(status), uint64Bytes(id));
}

export function expiryIndexKey(expiryHeight: bigint, id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(EXPIRY_INDEX_PREFIX), uint64Bytes(expiryHeight), uint64Bytes(id));
}

export function votesPrefix(proposalId: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(VOTE_PREFIX), uint64Bytes(proposalId));
}

export function voteKey(proposalId: bigint, voter: string): Uint8Array {
  return concatBytes(votesPrefix(proposalId), addressPart(voter));
}

export function queueKey(queueClass: number, sequence: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(QUEUE_PREFIX, queueClass), uint64Bytes(sequence));
}

export function evidenceKey(height: bigint, consensusAddress: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(EVIDENCE_PREFIX), uint64Bytes(height), consensusAddress);
}

export { prefixEnd } from "../../chain/app/pagination.ts";
