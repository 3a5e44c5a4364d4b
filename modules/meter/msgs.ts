// Message handlers of the meter module: decode, stateless checks (validation.ts), signer (the
// validator operator), then one keeper call.
import type { AnyMsgHandler, MsgHandler } from "../../chain/app/module.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/meter.js";
import { pb } from "./codec.ts";
import type { MeterKeeper } from "./keeper.ts";
import { MSG_ATTEST_COMMITMENT, MSG_SUBMIT_COMMITMENT } from "./type-urls.ts";
import { checkAddress, checkBody, checkDay, checkDeviceId, checkHash } from "./validation.ts";

type v1 = typeof sensorchain.meter.v1;

export function meterMsgs(keeper: MeterKeeper): Record<string, AnyMsgHandler> {
  const submit: MsgHandler<InstanceType<v1["MsgSubmitCommitment"]>> = {
    decode: (bytes) => pb.MsgSubmitCommitment.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.operator, "operator");
      checkBody(msg.body);
    },
    signers: (msg) => [msg.operator],
    async handle(ctx, msg) {
      const { hash, final } = await keeper.submit(ctx, msg.operator, checkBody(msg.body));
      return {
        typeUrl: `${MSG_SUBMIT_COMMITMENT}Response`,
        value: encodeCanonical(pb.MsgSubmitCommitmentResponse, { commitmentHash: hash, final }),
      };
    },
  };
  const attest: MsgHandler<InstanceType<v1["MsgAttestCommitment"]>> = {
    decode: (bytes) => pb.MsgAttestCommitment.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.operator, "operator");
      checkDeviceId(msg.deviceId);
      checkDay(msg.day);
      checkHash(msg.commitmentHash, "commitment_hash");
    },
    signers: (msg) => [msg.operator],
    async handle(ctx, msg) {
      const final = await keeper.attest(
        ctx,
        msg.operator,
        msg.deviceId,
        checkDay(msg.day),
        msg.commitmentHash,
      );
      return {
        typeUrl: `${MSG_ATTEST_COMMITMENT}Response`,
        value: encodeCanonical(pb.MsgAttestCommitmentResponse, { final }),
      };
    },
  };
  return { [MSG_SUBMIT_COMMITMENT]: submit, [MSG_ATTEST_COMMITMENT]: attest };
}
