import { z } from 'zod';

/** A request of the contract: a zod schema for its input and (as a phantom) the type of its output. */
export interface RequestDef<I extends z.ZodType, O> {
  input: I;
  output?: O;
}

/** `request(schema).returns<Output>()`: TypeScript infers the input from the schema and takes the output as written. */
export function request<I extends z.ZodType>(input: I): { returns<O>(): RequestDef<I, O> } {
  return { returns: <O>() => ({ input }) as RequestDef<I, O> };
}

/** An event of the contract: carries its payload type only (events flow from the engine, which is trusted). */
export interface EventDef<P> { payload?: P }

export function event<P>(): EventDef<P> {
  return {};
}

export const noInput = z.object({}).strict().optional().default({});
