// Verdicts computed outside the application (the node's verification pool): the app uses one only
// for exactly the bytes it was computed for, verifies itself otherwise, and does not verify again
// in checkTx or finalizeBlock once a signature has a verdict.
import test from "ava";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { SignatureCheck } from "../../chain/app/abci.ts";
import { encodeSignDoc } from "../../chain/app/sign-doc.ts";
import { CHAIN_ID, sendMsg, startApp } from "../helpers/app.ts";

test("encodeSignDoc is byte-identical to cosmjs-types SignDoc.encode", (t) => {
  const authInfo = new Uint8Array(300).fill(5);
  // Lengths around each varint size of the length prefixes; chain ids of both kinds, one twice in a row.
  const bodies = [3, 127, 128, 16_383, 16_384, 2_097_152].map((length) => new Uint8Array(length).fill(1));
  for (const accountNumber of [0n, 1n, 127n, 128n, 300n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]) {
    for (const [chainId, body] of [CHAIN_ID, CHAIN_ID, "", "é-chain"].flatMap((id) =>
      bodies.map((bytes) => [id, bytes] as const),
    )) {
      const expected = SignDoc.encode({
        bodyBytes: body,
        authInfoBytes: authInfo,
        chainId,
        accountNumber,
      }).finish();
      t.deepEqual(
        encodeSignDoc(body, authInfo, chainId, accountNumber),
        expected,
        `${accountNumber} ${chainId} ${body.length}`,
      );
    }
  }
  t.deepEqual(
    encodeSignDoc(new Uint8Array(0), new Uint8Array(0), "", 0n),
    SignDoc.encode({
      bodyBytes: new Uint8Array(0),
      authInfoBytes: new Uint8Array(0),
      chainId: "",
      accountNumber: 0n,
    }).finish(),
  );
});

test("signatureChecks names the exact sign bytes; after a verdict there is nothing left to check", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const tx = await a.sign(alice, [sendMsg(alice, bob, 10)]);
  const checks = a.app.signatureChecks(tx);
  t.is(checks.length, 1);
  const raw = TxRaw.decode(tx);
  const account = await a.accountOf(alice);
  const signDoc = SignDoc.encode({
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    chainId: CHAIN_ID,
    accountNumber: BigInt(account!.accountNumber),
  }).finish();
  t.deepEqual(checks[0]!.signBytes, signDoc);
  t.deepEqual(checks[0]!.signature, raw.signatures[0]);
  t.is(checks[0]!.signerIndex, 0);
  a.app.addSignatureVerdicts(checks.map((check) => ({ ...check, valid: true })));
  t.deepEqual(a.app.signatureChecks(tx), []);
  t.is((await a.app.checkTx({ tx, type: "new" })).code, 0);
  t.deepEqual(a.app.signatureChecks(Uint8Array.of(1, 2, 3)), [], "undecodable: checkTx reports it");
});

test("a verdict for these exact bytes is used: checkTx and finalizeBlock do not verify again", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const tx = await a.sign(alice, [sendMsg(alice, bob, 10)]);
  // A (false) negative verdict for the exact bytes of a valid signature: if the app used it, checkTx
  // rejects without verifying; that proves a pool verdict spares the main thread.
  a.app.addSignatureVerdicts(a.app.signatureChecks(tx).map((check) => ({ ...check, valid: false })));
  const check = await a.app.checkTx({ tx, type: "new" });
  t.is(check.code, 4, check.log);
  const [result] = await a.block([tx]);
  t.is(result!.code, 4, "finalizeBlock used the same verdict");
});

function tampered(
  checks: SignatureCheck[],
  field: "signBytes" | "publicKey" | "signature",
): SignatureCheck[] {
  return checks.map((check) => {
    const bytes = Uint8Array.from(check[field]);
    bytes[bytes.length - 1]! ^= 1;
    return { ...check, [field]: bytes };
  });
}

for (const field of ["signBytes", "publicKey", "signature"] as const) {
  test(`a verdict for other ${field} is never used: the app verifies itself`, async (t) => {
    const a = await startApp(t);
    const [alice, bob] = a.w.addresses as [string, string];
    const good = await a.sign(alice, [sendMsg(alice, bob, 10)]);
    // Negative verdicts for slightly different bytes must not reject the valid tx...
    a.app.addSignatureVerdicts(
      tampered(a.app.signatureChecks(good), field).map((c) => ({ ...c, valid: false })),
    );
    t.is((await a.app.checkTx({ tx: good, type: "new" })).code, 0);
    // ...and positive ones must not admit a tx signed for another chain id (different sign bytes).
    const forged = await a.sign(alice, [sendMsg(alice, bob, 11)], { chainId: "other-chain", sequence: 1 });
    const checks = a.app.signatureChecks(forged);
    t.is(checks.length, 1);
    a.app.addSignatureVerdicts(tampered(checks, field).map((c) => ({ ...c, valid: true })));
    const response = await a.app.checkTx({ tx: forged, type: "new" });
    t.is(response.code, 4, response.log);
  });
}

test("a verdict under another tx hash is not used", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const tx = await a.sign(alice, [sendMsg(alice, bob, 10)]);
  const other = await a.sign(alice, [sendMsg(alice, bob, 12)]);
  const [check] = a.app.signatureChecks(tx) as [SignatureCheck];
  const [otherCheck] = a.app.signatureChecks(other) as [SignatureCheck];
  a.app.addSignatureVerdicts([{ ...check, txHash: otherCheck.txHash, valid: false }]);
  t.is((await a.app.checkTx({ tx: other, type: "new" })).code, 0);
});

test("a signer's next tx is pre-verified with its account number as the ante handler read it", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const first = await a.sign(alice, [sendMsg(alice, bob, 10)], { sequence: 0 });
  const second = await a.sign(alice, [sendMsg(alice, bob, 11)], { sequence: 1 });
  t.is((await a.app.checkTx({ tx: first, type: "new" })).code, 0);
  const checks = a.app.signatureChecks(second);
  t.is(checks.length, 1);
  const raw = TxRaw.decode(second);
  const account = await a.accountOf(alice);
  t.deepEqual(
    checks[0]!.signBytes,
    SignDoc.encode({
      bodyBytes: raw.bodyBytes,
      authInfoBytes: raw.authInfoBytes,
      chainId: CHAIN_ID,
      accountNumber: BigInt(account!.accountNumber),
    }).finish(),
  );
  a.app.addSignatureVerdicts(checks.map((check) => ({ ...check, valid: true })));
  t.is((await a.app.checkTx({ tx: second, type: "new" })).code, 0);
});
