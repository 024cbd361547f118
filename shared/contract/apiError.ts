// Kept free of zod so the renderer can use it without bundling the schemas.

/** A failure any transport carries back to the caller. */
export interface ApiErrorBody {
  code: 'invalid_input' | 'not_found' | 'conflict' | 'unavailable' | 'unauthorized' | 'forbidden' | 'internal' | 'unknown_request' | 'rate_limited';
  message: string;
  /** For invalid_input: which fields, and what is wrong with each. */
  issues?: { path: string; message: string }[];
}

export class ApiError extends Error {
  readonly code: ApiErrorBody['code'];
  readonly issues: ApiErrorBody['issues'];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.issues = body.issues;
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}
