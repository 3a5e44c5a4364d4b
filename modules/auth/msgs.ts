// x/auth has no user messages: parameter changes (MsgUpdateParams) need a governance authority,
// which the poa module will provide.
import type { AnyMsgHandler } from "../../chain/app/module.ts";

export const authMsgs: Record<string, AnyMsgHandler> = {};
