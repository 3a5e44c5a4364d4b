// BeginBlock's evidence: misbehavior CometBFT decided on is recorded once and jails the validator it
// names (README.md, BeginBlock: evidence).
import type { Misbehavior } from "../../chain/app/abci.ts";
import type { Context } from "../../chain/app/module.ts";
import { sha256, toHex } from "../../chain/crypto/hash.ts";
import { type Evidence, evidenceCodec } from "./codec.ts";
import { evidenceKey, STORE_NAME } from "./keys.ts";
import { enqueue, getValidator, saveEvidence, saveValidator } from "./state.ts";
import { EVENT_EVIDENCE_RECORDED, EVENT_VALIDATOR_JAILED } from "./type-urls.ts";

/**
 * Records each piece of evidence once (by infraction height and validator) and jails a current
 * validator it names, unless the infraction predates the validator's (re-)admission. Signatures were
 * verified by consensus before the block was decided.
 */
export function handleMisbehavior(ctx: Context, misbehavior: readonly Misbehavior[]): void {
  for (const item of misbehavior) {
    const address = Uint8Array.from(item.validatorAddress);
    if (ctx.store(STORE_NAME).has(evidenceKey(item.height, address))) continue;
    const validator = getValidator(ctx, address);
    const jail = validator !== undefined && !validator.jailed && item.height >= validator.admissionHeight;
    const evidence: Evidence = {
      type: item.type,
      validatorAddress: address,
      height: item.height,
      time: item.time,
      validatorPower: item.validatorPower,
      totalVotingPower: item.totalVotingPower,
      hash: new Uint8Array(0),
      processedHeight: 0n,
      jailed: false,
    };
    // Without CometBFT's hash, the record's own: taken before processing fields are filled in.
    evidence.hash =
      item.evidenceHash === undefined
        ? sha256(evidenceCodec.encode(evidence))
        : Uint8Array.from(item.evidenceHash);
    evidence.processedHeight = ctx.height;
    evidence.jailed = jail;
    saveEvidence(ctx, evidence);
    const attributes = {
      consensus_address: toHex(address).toUpperCase(),
      type: item.type,
      height: item.height.toString(),
      hash: toHex(evidence.hash).toUpperCase(),
    };
    ctx.events.emit(EVENT_EVIDENCE_RECORDED, { ...attributes, jailed: String(jail) });
    if (!jail || validator === undefined) continue;
    saveValidator(ctx, { ...validator, jailed: true });
    enqueue(
      ctx,
      { kind: "remove", pubKey: validator.pubKey, power: 0n, operator: "", moniker: "", nodeId: "" },
      0n,
      true,
    );
    ctx.events.emit(EVENT_VALIDATOR_JAILED, { ...attributes, operator: validator.operator });
  }
}
