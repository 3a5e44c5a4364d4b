// Operating errors of configuration, genesis and key files: each names the field or file at fault.

export class ConfigError extends Error {
  readonly code = "invalid_config";
  /** Dotted name of the offending setting, e.g. "rpc.laddr". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`config ${field}: ${message}`);
    this.field = field;
  }
}

export class HomeError extends Error {
  readonly code = "invalid_home";
}
