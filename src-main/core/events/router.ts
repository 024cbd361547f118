import { ZodError } from 'zod';
import {
  ApiError, isRequestName, requests,
  type ParsedInput, type RequestName, type RequestOutput, type ResponseEnvelope,
} from '../../../shared/contract/index.ts';

export type Handlers = { [K in RequestName]: (input: ParsedInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K> };

/**
 * The one entry point of every transport: it parses the input with the contract's schema before any
 * service sees it, and turns every failure into a typed error body instead of a crash.
 */
export class Router {
  private readonly handlers: Handlers;
  constructor(handlers: Handlers) {
    this.handlers = handlers;
  }

  async dispatch(name: unknown, rawInput: unknown): Promise<ResponseEnvelope> {
    if (!isRequestName(name)) {
      return { ok: false, error: { code: 'unknown_request', message: `Unknown request ${JSON.stringify(String(name)).slice(0, 120)}` } };
    }
    const parsed = requests[name].input.safeParse(rawInput ?? undefined);
    if (!parsed.success) {
      return { ok: false, error: invalidInput(name, parsed.error) };
    }
    try {
      const handler = this.handlers[name] as (input: unknown) => unknown;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toBody() };
      if (err instanceof ZodError) return { ok: false, error: invalidInput(name, err) };
      console.error(`request ${name} failed:`, err);
      return { ok: false, error: { code: 'internal', message: `${name} failed: ${(err as Error)?.message ?? String(err)}` } };
    }
  }
}

function invalidInput(name: string, error: ZodError) {
  const issues = error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  return {
    code: 'invalid_input' as const,
    message: `Invalid input for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  };
}
