/**
 * The one base error of ficus. It carries a stable machine-readable `code`, an HTTP status for
 * errors that reach a client, and whether retrying could help: poison input and programming
 * errors are never retriable.
 */
export class FicusError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    options: {
      status?: number;
      retriable?: boolean;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Bad configuration or input, named by where it is (config path, env var, CLI flag). */
export class ConfigError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('config_invalid', message, { status: 400, details });
  }
}

/** Something ficus needs on the machine is missing; the message says how to get it. */
export class PrerequisiteError extends FicusError {
  constructor(message: string) {
    super('prerequisite_missing', message);
  }
}

/** A dependency did not answer in time; trying again later may help. */
export class TimeoutError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('timeout', message, { retriable: true, details });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
