// Why an ICS-23 proof was rejected. `code` is stable; the message adds detail for humans.
export type Ics23ErrorCode =
  | "malformed_proof" // missing leaf op, empty key/value, undecodable bytes, wrong proof kind
  | "invalid_spec" // the spec itself is unusable (child order, child size)
  | "leaf_spec_mismatch" // the leaf op differs from the spec's leaf
  | "inner_spec_mismatch" // an inner op violates the spec's prefix/suffix/hash bounds
  | "depth_out_of_bounds" // more (or fewer) inner ops than the spec allows
  | "unsupported_operation" // a hash or length op this verifier does not implement
  | "key_mismatch" // the proof is about another key
  | "value_mismatch" // the proof proves another value
  | "root_mismatch" // the proof computes another root
  | "key_out_of_range" // a non-existence proof's neighbours do not bracket the key
  | "not_neighbors" // the non-existence proof's leaves are not adjacent in the tree
  | "chain_mismatch"; // chained proof ops have the wrong count, type or key

export class Ics23Error extends Error {
  readonly code: Ics23ErrorCode;
  constructor(code: Ics23ErrorCode, message: string) {
    super(message);
    this.name = "Ics23Error";
    this.code = code;
  }
}
