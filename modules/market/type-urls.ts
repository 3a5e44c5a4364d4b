// Type URLs, query paths and event types of the market module: plain constants with no imports,
// shared by the module, the cosmjs client registry (client/) and the CLI.

export const MSG_CREATE_LISTING = "/sensorchain.market.v1.MsgCreateListing";
export const MSG_UPDATE_LISTING = "/sensorchain.market.v1.MsgUpdateListing";
export const MSG_INCREASE_STAKE = "/sensorchain.market.v1.MsgIncreaseStake";
export const MSG_BUY_ACCESS = "/sensorchain.market.v1.MsgBuyAccess";
export const MSG_CHALLENGE_LISTING = "/sensorchain.market.v1.MsgChallengeListing";
export const MSG_VOTE_DISPUTE = "/sensorchain.market.v1.MsgVoteDispute";
export const MSG_DELIST = "/sensorchain.market.v1.MsgDelist";
export const MSG_WITHDRAW_STAKE = "/sensorchain.market.v1.MsgWithdrawStake";

export const QUERY_MARKET_LISTING = "/sensorchain.market.v1.Query/Listing";
export const QUERY_MARKET_LISTINGS = "/sensorchain.market.v1.Query/Listings";
export const QUERY_MARKET_LISTINGS_BY_SELLER = "/sensorchain.market.v1.Query/ListingsBySeller";
export const QUERY_MARKET_LISTING_BY_DEVICE = "/sensorchain.market.v1.Query/ListingByDevice";
export const QUERY_MARKET_GRANT = "/sensorchain.market.v1.Query/Grant";
export const QUERY_MARKET_GRANTS_BY_BUYER = "/sensorchain.market.v1.Query/GrantsByBuyer";
export const QUERY_MARKET_GRANTS_BY_DEVICE = "/sensorchain.market.v1.Query/GrantsByDevice";
export const QUERY_MARKET_HAS_ACCESS = "/sensorchain.market.v1.Query/HasAccess";
export const QUERY_MARKET_CHALLENGES = "/sensorchain.market.v1.Query/Challenges";
export const QUERY_MARKET_DISPUTES = "/sensorchain.market.v1.Query/Disputes";
export const QUERY_MARKET_DISPUTE_VOTES = "/sensorchain.market.v1.Query/DisputeVotes";
export const QUERY_MARKET_PARAMS = "/sensorchain.market.v1.Query/Params";

export const EVENT_LISTING_CREATED = "sensorchain.market.v1.EventListingCreated";
export const EVENT_LISTING_UPDATED = "sensorchain.market.v1.EventListingUpdated";
export const EVENT_STAKE_INCREASED = "sensorchain.market.v1.EventStakeIncreased";
export const EVENT_ACCESS_BOUGHT = "sensorchain.market.v1.EventAccessBought";
export const EVENT_LISTING_CHALLENGED = "sensorchain.market.v1.EventListingChallenged";
export const EVENT_DISPUTE_OPENED = "sensorchain.market.v1.EventDisputeOpened";
export const EVENT_DISPUTE_VOTE = "sensorchain.market.v1.EventDisputeVote";
export const EVENT_DISPUTE_RESOLVED = "sensorchain.market.v1.EventDisputeResolved";
export const EVENT_LISTING_DELISTED = "sensorchain.market.v1.EventListingDelisted";
export const EVENT_STAKE_WITHDRAWN = "sensorchain.market.v1.EventStakeWithdrawn";
