// Type URLs, query paths and event types of the identity module: plain constants with no imports,
// shared by the module, the cosmjs client registry (client/) and the CLI.

export const MSG_REGISTER_COMPANY = "/sensorchain.identity.v1.MsgRegisterCompany";
export const MSG_UPDATE_PROFILE = "/sensorchain.identity.v1.MsgUpdateProfile";
export const MSG_VERIFY_COMPANY = "/sensorchain.identity.v1.MsgVerifyCompany";
export const MSG_REVOKE_IDENTITY = "/sensorchain.identity.v1.MsgRevokeIdentity";
/** Always refused: identity tokens are soulbound (README.md, "Soulbound"). */
export const MSG_TRANSFER_IDENTITY = "/sensorchain.identity.v1.MsgTransferIdentity";

export const QUERY_IDENTITY_TOKEN = "/sensorchain.identity.v1.Query/Token";
export const QUERY_IDENTITY_TOKEN_BY_OWNER = "/sensorchain.identity.v1.Query/TokenByOwner";
export const QUERY_IDENTITY_TOKEN_BY_CID = "/sensorchain.identity.v1.Query/TokenByCid";
export const QUERY_IDENTITY_TOKENS = "/sensorchain.identity.v1.Query/Tokens";
export const QUERY_IDENTITY_VOTES = "/sensorchain.identity.v1.Query/Votes";
export const QUERY_IDENTITY_PARAMS = "/sensorchain.identity.v1.Query/Params";

/** Event types (attributes are plain strings; README.md lists them). */
export const EVENT_COMPANY_REGISTERED = "sensorchain.identity.v1.EventCompanyRegistered";
export const EVENT_PROFILE_UPDATED = "sensorchain.identity.v1.EventProfileUpdated";
export const EVENT_IDENTITY_VOTE = "sensorchain.identity.v1.EventIdentityVote";
export const EVENT_COMPANY_VERIFIED = "sensorchain.identity.v1.EventCompanyVerified";
export const EVENT_IDENTITY_REVOKED = "sensorchain.identity.v1.EventIdentityRevoked";

/** The one token class: company identities (ERC-1155 "id" space is (class, token id)). */
export const COMPANY_CLASS_ID = "company";
