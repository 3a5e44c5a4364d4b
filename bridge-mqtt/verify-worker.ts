// A worker thread of the device verification pool (verify-pool.ts): verifies each batch with
// device-signature.ts, whose KeyObject cache is per thread, so each worker builds a device's key
// once. The job's scheme byte is the key type (DEVICE_KEY_SCHEMES).
import { serveVerifyBatches } from "../chain/crypto/verify-batch.ts";
import { verifyDeviceSignature } from "./device-signature.ts";
import { DEVICE_KEY_SCHEMES } from "./verify-pool.ts";

serveVerifyBatches(({ scheme, signature, message, publicKey }) => {
  const type = DEVICE_KEY_SCHEMES[scheme ?? -1];
  return type !== undefined && verifyDeviceSignature({ type, key: publicKey }, message, signature);
});
