// Message handlers of the device module: decode, stateless checks, signer (the owner, or the params
// authority), then one keeper call. The rules live in the keeper.
import type { AnyMsgHandler, Context, MsgHandler, MsgResponse } from "../../chain/app/module.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/device.js";
import { pb } from "./codec.ts";
import type { DeviceKeeper } from "./keeper.ts";
import {
  MSG_REGISTER_DEVICE,
  MSG_RETIRE_DEVICE,
  MSG_ROTATE_DEVICE_KEY,
  MSG_SHARE_DEVICE,
  MSG_TRANSFER_DEVICE_OWNERSHIP,
  MSG_UNSHARE_DEVICE,
  MSG_UPDATE_DEVICE_METADATA,
  MSG_UPDATE_PARAMS,
  responseTypeUrl,
} from "./type-urls.ts";
import {
  checkAddress,
  checkDeviceId,
  checkParams,
  metadataFromProto,
  publicKeyFromProto,
  shareTermsFromProto,
} from "./validation.ts";

type v1 = typeof sensorchain.device.v1;

/** An empty XResponse{} of a message type. */
function emptyResponse(typeUrl: string): MsgResponse {
  return { typeUrl: responseTypeUrl(typeUrl), value: new Uint8Array(0) };
}

/** A handler of a message signed by the device owner: `owner` and `device_id` checked for all. */
function ownerMsg<Msg extends { owner?: string | null; deviceId?: string | null }>(
  type: { decode(bytes: Uint8Array): Msg },
  checkRest: (msg: Msg) => void,
  handle: (ctx: Context, owner: string, id: string, msg: Msg) => MsgResponse,
): MsgHandler<Msg> {
  return {
    decode: (bytes) => type.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.owner, "owner");
      checkDeviceId(msg.deviceId);
      checkRest(msg);
    },
    signers: (msg) => [msg.owner ?? ""],
    handle: (ctx, msg) => handle(ctx, msg.owner ?? "", msg.deviceId ?? "", msg),
  };
}

export function deviceMsgs(keeper: DeviceKeeper): Record<string, AnyMsgHandler> {
  const register = ownerMsg<InstanceType<v1["MsgRegisterDevice"]>>(
    pb.MsgRegisterDevice,
    (msg) => {
      publicKeyFromProto(msg.publicKey);
      metadataFromProto(msg.metadata);
    },
    (ctx, owner, id, msg) => {
      keeper.register(ctx, {
        owner,
        id,
        publicKey: publicKeyFromProto(msg.publicKey),
        metadata: metadataFromProto(msg.metadata),
      });
      return {
        typeUrl: responseTypeUrl(MSG_REGISTER_DEVICE),
        value: encodeCanonical(pb.MsgRegisterDeviceResponse, { deviceId: id }),
      };
    },
  );
  const updateMetadata = ownerMsg<InstanceType<v1["MsgUpdateDeviceMetadata"]>>(
    pb.MsgUpdateDeviceMetadata,
    (msg) => void metadataFromProto(msg.metadata),
    (ctx, owner, id, msg) => {
      keeper.updateMetadata(ctx, owner, id, metadataFromProto(msg.metadata));
      return emptyResponse(MSG_UPDATE_DEVICE_METADATA);
    },
  );
  const share = ownerMsg<InstanceType<v1["MsgShareDevice"]>>(
    pb.MsgShareDevice,
    (msg) => void shareTermsFromProto(msg.terms),
    (ctx, owner, id, msg) => {
      keeper.share(ctx, owner, id, shareTermsFromProto(msg.terms));
      return emptyResponse(MSG_SHARE_DEVICE);
    },
  );
  const unshare = ownerMsg<InstanceType<v1["MsgUnshareDevice"]>>(
    pb.MsgUnshareDevice,
    () => {},
    (ctx, owner, id) => {
      keeper.unshare(ctx, owner, id);
      return emptyResponse(MSG_UNSHARE_DEVICE);
    },
  );
  const rotateKey = ownerMsg<InstanceType<v1["MsgRotateDeviceKey"]>>(
    pb.MsgRotateDeviceKey,
    (msg) => void publicKeyFromProto(msg.newPublicKey, "new_public_key"),
    (ctx, owner, id, msg) => {
      keeper.rotateKey(ctx, owner, id, publicKeyFromProto(msg.newPublicKey, "new_public_key"));
      return emptyResponse(MSG_ROTATE_DEVICE_KEY);
    },
  );
  const transfer = ownerMsg<InstanceType<v1["MsgTransferDeviceOwnership"]>>(
    pb.MsgTransferDeviceOwnership,
    (msg) => void checkAddress(msg.newOwner, "new_owner"),
    (ctx, owner, id, msg) => {
      keeper.transfer(ctx, owner, id, msg.newOwner);
      return emptyResponse(MSG_TRANSFER_DEVICE_OWNERSHIP);
    },
  );
  const retire = ownerMsg<InstanceType<v1["MsgRetireDevice"]>>(
    pb.MsgRetireDevice,
    () => {},
    (ctx, owner, id) => {
      keeper.retire(ctx, owner, id);
      return emptyResponse(MSG_RETIRE_DEVICE);
    },
  );
  const updateParams: MsgHandler<InstanceType<v1["MsgUpdateParams"]>> = {
    decode: (bytes) => pb.MsgUpdateParams.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.authority, "authority");
      checkParams(msg.params);
    },
    signers: (msg) => [msg.authority],
    handle(ctx, msg) {
      keeper.updateParams(ctx, msg.authority, checkParams(msg.params));
      return emptyResponse(MSG_UPDATE_PARAMS);
    },
  };
  return {
    [MSG_REGISTER_DEVICE]: register,
    [MSG_UPDATE_DEVICE_METADATA]: updateMetadata,
    [MSG_SHARE_DEVICE]: share,
    [MSG_UNSHARE_DEVICE]: unshare,
    [MSG_ROTATE_DEVICE_KEY]: rotateKey,
    [MSG_TRANSFER_DEVICE_OWNERSHIP]: transfer,
    [MSG_RETIRE_DEVICE]: retire,
    [MSG_UPDATE_PARAMS]: updateParams,
  };
}
