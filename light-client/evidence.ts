// Light client attack evidence (CometBFT types/evidence.go LightClientAttackEvidence and
// light/detector.go newLightClientAttackEvidence): built when a witness proves the primary served a
// conflicting header, and in its proto and CometBFT JSON forms for submission.

import { LightClientAttackEvidence, Evidence as ProtoEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Commit as ProtoCommit } from "cosmjs-types/tendermint/types/types";
import type { Validator as ProtoValidator } from "cosmjs-types/tendermint/types/validator";
import { BlockIDFlag, type Header, type Validator } from "../chain/types/block.ts";
import { bytesEqual, sha256 } from "../chain/types/bytes.ts";
import { formatTimestamp, parseTimestamp } from "../chain/types/time.ts";
import { compareValidators } from "../chain/types/validator-set.ts";
import { LightClientError } from "./errors.ts";
import {
  array,
  decodeSignedHeader,
  decodeValidator,
  encodeSignedHeader,
  encodeValidator,
  integer,
  type JsonObject,
  object,
  string,
} from "./json.ts";
import type { LightBlock } from "./types.ts";

export { LightClientAttackEvidence } from "cosmjs-types/tendermint/types/evidence";

function toProtoValidator(validator: Validator): ProtoValidator {
  return {
    address: validator.address,
    pubKey: { ed25519: validator.pubKey },
    votingPower: validator.votingPower,
    proposerPriority: validator.proposerPriority,
  };
}

function fromProtoValidator(validator: ProtoValidator): Validator {
  return {
    address: validator.address,
    pubKey: validator.pubKey?.ed25519 ?? new Uint8Array(0),
    votingPower: validator.votingPower,
    proposerPriority: validator.proposerPriority,
  };
}

/** ConflictingHeaderIsInvalid: a lunatic header differs from the real one in a state-derived field. */
export function conflictingHeaderIsInvalid(conflicting: Header, trusted: Header): boolean {
  return (
    !bytesEqual(trusted.validatorsHash, conflicting.validatorsHash) ||
    !bytesEqual(trusted.nextValidatorsHash, conflicting.nextValidatorsHash) ||
    !bytesEqual(trusted.consensusHash, conflicting.consensusHash) ||
    !bytesEqual(trusted.appHash, conflicting.appHash) ||
    !bytesEqual(trusted.lastResultsHash, conflicting.lastResultsHash)
  );
}

/** GetByzantineValidators: lunatic → signers of the conflicting block in the common set; equivocation
 * (same round) → validators who signed both; amnesia (different rounds) → none can be named. */
export function byzantineValidators(
  conflicting: LightBlock,
  common: LightBlock,
  trusted: LightBlock,
): Validator[] {
  const found: Validator[] = [];
  const conflictingCommit = conflicting.signedHeader.commit;
  if (conflictingHeaderIsInvalid(conflicting.signedHeader.header, trusted.signedHeader.header)) {
    for (const sig of conflictingCommit.signatures) {
      if (sig.blockIdFlag !== BlockIDFlag.commit) continue;
      const validator = common.validatorSet.getByAddress(sig.validatorAddress);
      if (validator !== undefined) found.push(validator.validator);
    }
  } else if (trusted.signedHeader.commit.round === conflictingCommit.round) {
    conflictingCommit.signatures.forEach((sig, index) => {
      const other = trusted.signedHeader.commit.signatures[index];
      if (sig.blockIdFlag !== BlockIDFlag.commit || other?.blockIdFlag !== BlockIDFlag.commit) return;
      const validator = conflicting.validatorSet.getByAddress(sig.validatorAddress);
      if (validator !== undefined) found.push(validator.validator);
    });
  }
  return found.sort(compareValidators);
}

/** newLightClientAttackEvidence: `conflicting` is the accused node's block, `trusted` the other
 * node's block at the same height, `common` the last block both agree on. */
export function buildAttackEvidence(
  conflicting: LightBlock,
  trusted: LightBlock,
  common: LightBlock,
): LightClientAttackEvidence {
  const lunatic = conflictingHeaderIsInvalid(conflicting.signedHeader.header, trusted.signedHeader.header);
  const anchor = lunatic ? common : trusted;
  const proposer = conflicting.validatorSet.validators[0]!;
  return {
    conflictingBlock: {
      signedHeader: {
        header: conflicting.signedHeader.header,
        commit: conflicting.signedHeader.commit as ProtoCommit,
      },
      validatorSet: {
        validators: conflicting.validatorSet.validators.map(toProtoValidator),
        proposer: toProtoValidator(proposer),
        totalVotingPower: conflicting.validatorSet.totalVotingPower(),
      },
    },
    commonHeight: anchor.signedHeader.header.height,
    byzantineValidators: byzantineValidators(conflicting, common, trusted).map(toProtoValidator),
    totalVotingPower: anchor.validatorSet.totalVotingPower(),
    timestamp: anchor.signedHeader.header.time,
  };
}

/** tendermint.types.Evidence{light_client_attack_evidence=2} bytes. */
export function encodeEvidence(evidence: LightClientAttackEvidence): Uint8Array {
  return ProtoEvidence.encode({ lightClientAttackEvidence: evidence }).finish();
}

/** Evidence.Hash of a light client attack: sha256 of the LightClientAttackEvidence proto. */
export function evidenceHash(evidence: LightClientAttackEvidence): Uint8Array {
  return sha256(LightClientAttackEvidence.encode(evidence).finish());
}

/** cmtjson of the Evidence interface, as broadcast_evidence takes it (Go field names, no tags). */
export function encodeEvidenceJson(evidence: LightClientAttackEvidence): JsonObject {
  const block = evidence.conflictingBlock;
  const signedHeader = block?.signedHeader;
  const validators = (block?.validatorSet?.validators ?? []).map(fromProtoValidator);
  return {
    type: "tendermint/LightClientAttackEvidence",
    value: {
      ConflictingBlock: {
        signed_header:
          signedHeader?.header === undefined || signedHeader.commit === undefined
            ? null
            : encodeSignedHeader({
                header: signedHeader.header as Header,
                commit: signedHeader.commit as unknown as LightBlock["signedHeader"]["commit"],
              }),
        validator_set: {
          validators: validators.map(encodeValidator),
          proposer: validators[0] === undefined ? null : encodeValidator(validators[0]),
        },
      },
      CommonHeight: evidence.commonHeight.toString(),
      ByzantineValidators: evidence.byzantineValidators.map((v) => encodeValidator(fromProtoValidator(v))),
      TotalVotingPower: evidence.totalVotingPower.toString(),
      Timestamp: formatTimestamp(evidence.timestamp),
    },
  };
}

/** Inverse of encodeEvidenceJson: a node's broadcast_evidence reads the cmtjson Evidence into
 * tendermint.types.Evidence bytes. Throws LightClientError("malformed_response") naming the field;
 * types other than LightClientAttackEvidence are refused (duplicate votes travel by gossip). */
export function decodeEvidenceJson(value: unknown): Uint8Array {
  const json = object(value, "evidence");
  if (json["type"] !== "tendermint/LightClientAttackEvidence")
    throw new LightClientError(
      "malformed_response",
      `evidence type ${JSON.stringify(json["type"])} is not tendermint/LightClientAttackEvidence`,
    );
  const body = object(json["value"], "evidence.value");
  const block = object(body["ConflictingBlock"], "ConflictingBlock");
  const signedHeader = decodeSignedHeader(block["signed_header"]);
  const set = object(block["validator_set"], "ConflictingBlock.validator_set");
  const validators = array(set["validators"], "validator_set.validators").map(decodeValidator);
  const byzantine = array(body["ByzantineValidators"] ?? [], "ByzantineValidators").map(decodeValidator);
  const evidence: LightClientAttackEvidence = {
    conflictingBlock: {
      signedHeader: {
        header: signedHeader.header,
        commit: signedHeader.commit as ProtoCommit,
      },
      validatorSet: {
        validators: validators.map(toProtoValidator),
        ...(validators[0] === undefined ? {} : { proposer: toProtoValidator(validators[0]) }),
        totalVotingPower: validators.reduce((sum, v) => sum + v.votingPower, 0n),
      },
    },
    commonHeight: integer(body["CommonHeight"], "CommonHeight"),
    byzantineValidators: byzantine.map(toProtoValidator),
    totalVotingPower: integer(body["TotalVotingPower"], "TotalVotingPower"),
    timestamp: parseTimestamp(string(body["Timestamp"], "Timestamp")),
  };
  return encodeEvidence(evidence);
}
