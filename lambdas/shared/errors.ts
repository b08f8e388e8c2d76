/** Stable error codes of the API's `{"error":{"code","message"}}` body. */
export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  /** An import address another account holds (DESIGN §11). */
  ADDRESS_TAKEN: 'ADDRESS_TAKEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base of every error we raise on purpose: a stable code, an HTTP status and a message safe to show. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly httpStatus: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BAD_REQUEST, 400, message, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(
    message = 'Sign in again: the access token is missing, expired or invalid.',
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.UNAUTHORIZED, 401, message, options);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Bulk imports are for administrators only.') {
    super(ErrorCode.FORBIDDEN, 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code: ErrorCode = ErrorCode.CONFLICT) {
    super(code, 409, message);
  }
}

/** Raised at cold start when settings are missing or malformed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A file-level reason an import cannot go on (wrong columns, unreadable, too big). The pipeline ends the
 * task in VALIDATION_FAILED with this message as its `statusReason`.
 */
export class FileRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FileRejectedError';
  }
}
