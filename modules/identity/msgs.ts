// Message handlers of the identity module: decode, stateless checks, signer (the company, or the
// voting operator), then one keeper call. The rules live in the keeper.
import type { AnyMsgHandler, MsgHandler, MsgResponse } from "../../chain/app/module.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/identity.js";
import { pb } from "./codec.ts";
import type { IdentityKeeper } from "./keeper.ts";
import {
  MSG_REGISTER_COMPANY,
  MSG_REVOKE_IDENTITY,
  MSG_TRANSFER_IDENTITY,
  MSG_UPDATE_PROFILE,
  MSG_VERIFY_COMPANY,
} from "./type-urls.ts";
import { checkAddress, checkCid, checkReason, checkSectorCode, checkTokenId } from "./validation.ts";

type v1 = typeof sensorchain.identity.v1;

function response(typeUrl: string, value: Uint8Array = new Uint8Array(0)): MsgResponse {
  return { typeUrl: `${typeUrl}Response`, value };
}

export function identityMsgs(keeper: IdentityKeeper): Record<string, AnyMsgHandler> {
  const register: MsgHandler<InstanceType<v1["MsgRegisterCompany"]>> = {
    decode: (bytes) => pb.MsgRegisterCompany.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.owner, "owner");
      checkCid(msg.profileCid);
      checkSectorCode(msg.sector);
    },
    signers: (msg) => [msg.owner],
    handle(ctx, msg) {
      const token = keeper.register(ctx, {
        owner: msg.owner,
        profileCid: msg.profileCid,
        cidBytes: checkCid(msg.profileCid),
        sector: msg.sector,
      });
      return response(
        MSG_REGISTER_COMPANY,
        encodeCanonical(pb.MsgRegisterCompanyResponse, { tokenId: toLong(token.tokenId) }),
      );
    },
  };
  const updateProfile: MsgHandler<InstanceType<v1["MsgUpdateProfile"]>> = {
    decode: (bytes) => pb.MsgUpdateProfile.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.owner, "owner");
      checkCid(msg.profileCid);
    },
    signers: (msg) => [msg.owner],
    handle(ctx, msg) {
      keeper.updateProfile(ctx, msg.owner, msg.profileCid, checkCid(msg.profileCid));
      return response(MSG_UPDATE_PROFILE);
    },
  };
  const verify: MsgHandler<InstanceType<v1["MsgVerifyCompany"]>> = {
    decode: (bytes) => pb.MsgVerifyCompany.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.operator, "operator");
      checkTokenId(msg.tokenId);
    },
    signers: (msg) => [msg.operator],
    async handle(ctx, msg) {
      const { passed } = await keeper.verify(ctx, msg.operator, checkTokenId(msg.tokenId));
      return response(MSG_VERIFY_COMPANY, encodeCanonical(pb.MsgVerifyCompanyResponse, { passed }));
    },
  };
  const revoke: MsgHandler<InstanceType<v1["MsgRevokeIdentity"]>> = {
    decode: (bytes) => pb.MsgRevokeIdentity.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.operator, "operator");
      checkTokenId(msg.tokenId);
      checkReason(msg.reason);
    },
    signers: (msg) => [msg.operator],
    async handle(ctx, msg) {
      const { passed } = await keeper.revoke(ctx, msg.operator, checkTokenId(msg.tokenId), msg.reason);
      return response(MSG_REVOKE_IDENTITY, encodeCanonical(pb.MsgRevokeIdentityResponse, { passed }));
    },
  };
  // Refused in validateBasic, so the refusal comes back from CheckTx (broadcast_tx_sync) with its
  // code before any fee is charged, and also from simulate and (should it reach a block) deliver.
  const transfer: MsgHandler<InstanceType<v1["MsgTransferIdentity"]>> = {
    decode: (bytes) => pb.MsgTransferIdentity.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.owner, "owner");
      keeper.refuseTransfer(msg.owner, msg.tokenId?.toString() ?? "0", msg.recipient);
    },
    signers: (msg) => [msg.owner],
    handle(_ctx, msg) {
      return keeper.refuseTransfer(msg.owner, msg.tokenId?.toString() ?? "0", msg.recipient);
    },
  };
  return {
    [MSG_REGISTER_COMPANY]: register,
    [MSG_UPDATE_PROFILE]: updateProfile,
    [MSG_VERIFY_COMPANY]: verify,
    [MSG_REVOKE_IDENTITY]: revoke,
    [MSG_TRANSFER_IDENTITY]: transfer,
  };
}
