import { FicusError } from '../lib/errors.ts';

/** A service the plan does not name was asked for (the proxy's admin API, `ficus stage`). */
export class UnknownServiceError extends FicusError {
  constructor(service: string, known: string[]) {
    super(
      'unknown_service',
      `no service "${service}" in the plan (services: ${known.join(', ')})`,
      { status: 404 },
    );
  }
}
