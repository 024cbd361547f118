import type { FastifyInstance } from 'fastify';
import type { Engine } from '../core/engine.ts';
import { statusOfApiError } from './openaiErrors.ts';

/** Every request of the contract as `POST /api/<name>`, parsed by the same router the window uses. */
export function registerContractRoutes(app: FastifyInstance, engine: Engine): void {
  app.post('/api/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    const res = await engine.router.dispatch(name, req.body ?? {});
    return reply.code(res.ok ? 200 : statusOfApiError(res.error.code)).send(res);
  });
}
