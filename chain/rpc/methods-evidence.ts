// broadcast_evidence (CometBFT 0.38 rpc/core/evidence.go): {"evidence": <cmtjson Evidence>} →
// {"hash": hex}. The evidence is checked by the node's evidence pool (LightClientAttackEvidence from
// a light client's fork detector: chain/consensus/light-attack-evidence.ts) and, when valid, kept
// for the next proposals; a refusal is an error whose data says why.
import { LightClientError } from "../../light-client/errors.ts";
import { decodeEvidenceJson } from "../../light-client/evidence.ts";
import type { RpcMethod } from "./context.ts";
import { internalError, invalidParams } from "./errors.ts";
import { hexUpper } from "./json.ts";

const broadcastEvidence: RpcMethod = {
  params: ["evidence"],
  async run({ backend }, params) {
    if (backend.broadcastEvidence === undefined) throw internalError("this node takes no evidence");
    let bytes: Uint8Array;
    try {
      bytes = decodeEvidenceJson(params["evidence"]);
    } catch (error) {
      if (error instanceof LightClientError || error instanceof RangeError)
        throw invalidParams(`evidence: ${error.message}`);
      throw error;
    }
    try {
      return { hash: hexUpper(await backend.broadcastEvidence(bytes)) };
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      if (typeof reason === "string")
        throw internalError(`failed to add evidence: ${reason}: ${(error as Error).message}`);
      throw error;
    }
  },
};

export const EVIDENCE_METHODS: Record<string, RpcMethod> = {
  broadcast_evidence: broadcastEvidence,
};
