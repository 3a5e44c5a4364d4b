// node:crypto ed25519 verification for Node users of the light client (about 13x @noble here,
// docs/PERFORMANCE.md). Injected through LightClientConfig.verifySignature.
export { verifyEd25519 as verifyEd25519Node } from "../../chain/crypto/ed25519.ts";
