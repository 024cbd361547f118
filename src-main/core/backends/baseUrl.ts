/** Base URLs are kept in OpenAI's form, ending in /v1, so `http://host:8080` and `http://host:8080/v1/` are one backend. */
export function normalizeBaseUrl(raw: string): string {
  const url = new URL(raw);
  let p = url.pathname.replace(/\/+$/, '');
  if (!p.endsWith('/v1')) p = `${p}/v1`;
  url.pathname = p;
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** `/v1/chat/completions` on a base URL ending in /v1. */
export function endpointUrl(baseUrl: string, endpoint: string): string {
  return baseUrl + endpoint.replace(/^\/v1/, '');
}
