// A verification worker of Secp256k1VerifyPool: verifies each batch with node:crypto, its
// KeyObjects cached per public key in this thread (verifySecp256k1's cache), and answers with one
// verdict byte per job. Stateless apart from that cache; the pool owns ordering and errors.
import { verifySecp256k1 } from "./secp256k1.ts";
import { serveVerifyBatches } from "./verify-batch.ts";

serveVerifyBatches(({ signature, message, publicKey }) => verifySecp256k1(signature, message, publicKey));
