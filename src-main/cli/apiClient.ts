import type { RequestInput, RequestName, RequestOutput, ResponseEnvelope } from '../../shared/contract/index.ts';
import { ApiError } from '../../shared/contract/index.ts';

export interface ServerTarget {
  /** Base URL of a running `batchdeck serve` (or the desktop app's local API), e.g. http://127.0.0.1:4080 */
  server: string;
  token?: string | undefined;
}

/** Calls one request of the contract over `POST /api/<name>` on a running Batchdeck. */
export async function callApi<K extends RequestName>(target: ServerTarget, name: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
  const url = new URL(`/api/${name}`, target.server);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
      body: JSON.stringify(input ?? {}),
    });
  } catch (err) {
    throw new ApiError({
      code: 'unavailable',
      message: `Could not reach Batchdeck at ${target.server} (${(err as Error).cause ?? (err as Error).message}). Is \`batchdeck serve\` running there? Pass --server URL.`,
    });
  }
  const text = await res.text();
  let envelope: ResponseEnvelope;
  try {
    envelope = JSON.parse(text) as ResponseEnvelope;
  } catch {
    throw new ApiError({ code: 'internal', message: `${name}: ${target.server} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}` });
  }
  if (res.status === 401) throw new ApiError({ code: 'unauthorized', message: `${target.server} refused the request (401): pass --token T` });
  if (!envelope.ok) throw new ApiError(envelope.error);
  return envelope.value as RequestOutput<K>;
}
