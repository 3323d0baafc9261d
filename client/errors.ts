import type { AppError } from '../protocol/errors';

/** A failure the API answered with its error envelope (or a stream refused with a close code). */
export class StockmeshError extends Error {
  constructor(
    readonly error: AppError,
    /** HTTP status, or the WebSocket close code for a refused stream. */
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(error.message);
    this.name = 'StockmeshError';
  }

  get code() {
    return this.error.code;
  }
}
