// Type URLs, query paths and event types of the escrow module: plain constants with no imports,
// shared by the module, the cosmjs client registry (client/) and the CLI.

export const MSG_OPEN_ESCROW = "/sensorchain.escrow.v1.MsgOpenEscrow";
export const MSG_TOP_UP_ESCROW = "/sensorchain.escrow.v1.MsgTopUpEscrow";
export const MSG_RELEASE_ESCROW = "/sensorchain.escrow.v1.MsgReleaseEscrow";
export const MSG_CLOSE_ESCROW = "/sensorchain.escrow.v1.MsgCloseEscrow";
export const MSG_REFUND_ESCROW = "/sensorchain.escrow.v1.MsgRefundEscrow";
export const MSG_WITHDRAW_EARNINGS = "/sensorchain.escrow.v1.MsgWithdrawEarnings";
export const MSG_UPDATE_ESCROW_PARAMS = "/sensorchain.escrow.v1.MsgUpdateParams";
export const MSG_SPEND_PLATFORM_POOL = "/sensorchain.escrow.v1.MsgSpendPlatformPool";

export const QUERY_ESCROW = "/sensorchain.escrow.v1.Query/Escrow";
export const QUERY_ESCROWS_BY_CONSUMER = "/sensorchain.escrow.v1.Query/EscrowsByConsumer";
export const QUERY_ESCROWS_BY_DEVICE = "/sensorchain.escrow.v1.Query/EscrowsByDevice";
export const QUERY_EARNINGS = "/sensorchain.escrow.v1.Query/Earnings";
export const QUERY_ESCROW_PARAMS = "/sensorchain.escrow.v1.Query/Params";
export const QUERY_ACTIVE_COMMANDS = "/sensorchain.escrow.v1.Query/ActiveCommands";

export const EVENT_ESCROW_OPENED = "sensorchain.escrow.v1.EventEscrowOpened";
export const EVENT_ESCROW_TOPPED_UP = "sensorchain.escrow.v1.EventEscrowToppedUp";
export const EVENT_ESCROW_RELEASED = "sensorchain.escrow.v1.EventEscrowReleased";
export const EVENT_ESCROW_CLOSED = "sensorchain.escrow.v1.EventEscrowClosed";
export const EVENT_ESCROW_REFUNDED = "sensorchain.escrow.v1.EventEscrowRefunded";
export const EVENT_EARNINGS_WITHDRAWN = "sensorchain.escrow.v1.EventEarningsWithdrawn";
export const EVENT_ESCROW_PARAMS_UPDATED = "sensorchain.escrow.v1.EventParamsUpdated";
export const EVENT_PLATFORM_POOL_SPENT = "sensorchain.escrow.v1.EventPlatformPoolSpent";
/** A paid command window: the bridges send the payload to the device until until_time. */
export const EVENT_COMMAND_PAID = "sensorchain.escrow.v1.EventCommandPaid";
