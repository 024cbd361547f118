import type { LineError } from '../../../../shared/batch.ts';
import { MAX_REPORTED_ERRORS } from './types.ts';

/**
 * Collects validation errors up to a cap. Past the cap only a count is kept, and `toArray` ends the list with
 * one error that says how many more there were, so the operator knows the list is incomplete.
 */
export class ErrorList {
  readonly #cap: number;
  readonly #errors: LineError[] = [];
  #dropped = 0;

  constructor(cap: number = MAX_REPORTED_ERRORS) {
    this.#cap = cap;
  }

  get count(): number {
    return this.#errors.length + this.#dropped;
  }

  /** Records an error; returns it (so a message can be amended later) or null when past the cap. */
  add(line: number | null, code: string, message: string, param: string | null = null): LineError | null {
    if (this.#errors.length >= this.#cap) {
      this.#dropped++;
      return null;
    }
    const error: LineError = { code, message: line === null ? message : `line ${line}: ${message}`, line, param };
    this.#errors.push(error);
    return error;
  }

  /** Replaces the message of an error already recorded (used to add totals known only at the end). */
  amend(error: LineError, message: string): void {
    error.message = error.line === null ? message : `line ${error.line}: ${message}`;
  }

  /** The first n errors recorded (copies, so a later amend does not change what was already sent). */
  first(n: number): LineError[] {
    return this.#errors.slice(0, n).map((e) => ({ ...e }));
  }

  toArray(): LineError[] {
    if (this.#dropped === 0) return this.#errors;
    return [
      ...this.#errors,
      {
        code: 'too_many_errors',
        message: `${this.#dropped.toLocaleString('en-US')} more errors not listed (only the first ${this.#cap.toLocaleString('en-US')} are reported)`,
        line: null,
        param: null,
      },
    ];
  }
}
