// Client side of the identity module: type URLs, the protobuf message classes and their TypeScript
// shapes, EncodeObject types for SigningStargateClient, the registry entries, and the profile
// encryption, login and blob helpers (identity-profile.ts, identity-login.ts, identity-source.ts).
import type { GeneratedType } from "@cosmjs/proto-signing";
import {
  MSG_REGISTER_COMPANY,
  MSG_REVOKE_IDENTITY,
  MSG_TRANSFER_IDENTITY,
  MSG_UPDATE_PROFILE,
  MSG_VERIFY_COMPANY,
} from "../modules/identity/type-urls.ts";
import { sensorchain } from "../proto/gen/identity.js";
import { canonicalType } from "./canonical-type.ts";

export { IDENTITY_CODESPACE, IdentityCode } from "../modules/identity/errors.ts";
export * from "../modules/identity/type-urls.ts";
export { identityStoreKeys } from "./identity-keys.ts";
export * from "./identity-login.ts";
export * from "./identity-profile.ts";
export * from "./identity-source.ts";

/** Generated classes: encode/decode/fromObject/toObject of every identity message, query and enum. */
export const identity = sensorchain.identity.v1;
export const { IdentityStatus, VoteAction } = sensorchain.identity.v1;

export type MsgRegisterCompany = sensorchain.identity.v1.IMsgRegisterCompany;
export type MsgUpdateProfile = sensorchain.identity.v1.IMsgUpdateProfile;
export type MsgVerifyCompany = sensorchain.identity.v1.IMsgVerifyCompany;
export type MsgRevokeIdentity = sensorchain.identity.v1.IMsgRevokeIdentity;
export type MsgTransferIdentity = sensorchain.identity.v1.IMsgTransferIdentity;
export type IdentityTokenRecord = sensorchain.identity.v1.IIdentityToken;

export interface MsgRegisterCompanyEncodeObject {
  typeUrl: typeof MSG_REGISTER_COMPANY;
  value: MsgRegisterCompany;
}
export interface MsgUpdateProfileEncodeObject {
  typeUrl: typeof MSG_UPDATE_PROFILE;
  value: MsgUpdateProfile;
}
export interface MsgVerifyCompanyEncodeObject {
  typeUrl: typeof MSG_VERIFY_COMPANY;
  value: MsgVerifyCompany;
}
export interface MsgRevokeIdentityEncodeObject {
  typeUrl: typeof MSG_REVOKE_IDENTITY;
  value: MsgRevokeIdentity;
}
export interface MsgTransferIdentityEncodeObject {
  typeUrl: typeof MSG_TRANSFER_IDENTITY;
  value: MsgTransferIdentity;
}

/** [type URL, cosmjs GeneratedType] for every identity message, as Registry's constructor takes them. */
export const identityTypes: [string, GeneratedType][] = [
  [MSG_REGISTER_COMPANY, canonicalType(identity.MsgRegisterCompany)],
  [MSG_UPDATE_PROFILE, canonicalType(identity.MsgUpdateProfile)],
  [MSG_VERIFY_COMPANY, canonicalType(identity.MsgVerifyCompany)],
  [MSG_REVOKE_IDENTITY, canonicalType(identity.MsgRevokeIdentity)],
  [MSG_TRANSFER_IDENTITY, canonicalType(identity.MsgTransferIdentity)],
];
