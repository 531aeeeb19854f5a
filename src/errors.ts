/**
 * Every error the daemon throws on purpose. Each has a stable `code` so operators can grep logs and metrics
 * (`rpntd_errors_total{code}`) for it; docs/ERRORS.md lists them. A message says what failed, the value received,
 * what was expected and how to fix it.
 */
export type RpntdErrorCode =
  | 'RPNTD_ERR_CONFIG'
  | 'RPNTD_ERR_MODEL'
  | 'RPNTD_ERR_MODEL_MISMATCH'
  | 'RPNTD_ERR_CODEC'
  | 'RPNTD_ERR_ZMQ'
  | 'RPNTD_ERR_NATIVE_ARG'
  | 'RPNTD_ERR_DATASET';

export class RpntdError extends Error {
  readonly code: RpntdErrorCode;
  constructor(code: RpntdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpntdError';
    this.code = code;
  }
}

export class ConfigError extends RpntdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RPNTD_ERR_CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

export class ModelError extends RpntdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RPNTD_ERR_MODEL', message, options);
    this.name = 'ModelError';
  }
}

/** The model card disagrees with the configuration (channel count, bin width...). */
export class ModelMismatchError extends RpntdError {
  constructor(message: string) {
    super('RPNTD_ERR_MODEL_MISMATCH', message);
    this.name = 'ModelMismatchError';
  }
}

/** A wire message could not be decoded. Counted and dropped, never fatal. */
export class CodecError extends RpntdError {
  /** Which rule the message broke, a small closed set used as a metric label. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super('RPNTD_ERR_CODEC', message);
    this.name = 'CodecError';
    this.reason = reason;
  }
}

export class ZmqError extends RpntdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RPNTD_ERR_ZMQ', message, options);
    this.name = 'ZmqError';
  }
}

export class DatasetError extends RpntdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RPNTD_ERR_DATASET', message, options);
    this.name = 'DatasetError';
  }
}
