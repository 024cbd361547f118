/**
 * Contract requests and OpenAI JSON bodies are small; a whole batch file travels only on the streaming
 * multipart upload (POST /v1/files). A bigger JSON body or WebSocket message is refused before it is
 * buffered, so nobody can fill the server's memory or block its event loop with one request.
 */
export const JSON_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
export const WS_MESSAGE_LIMIT_BYTES = JSON_BODY_LIMIT_BYTES;

/** Multipart uploads stream to disk, so they may be large. */
export const UPLOAD_FILE_LIMIT_BYTES = 4 * 1024 * 1024 * 1024;

export const TOO_LARGE_MESSAGE = `The request body is larger than the ${JSON_BODY_LIMIT_BYTES / 1024 / 1024} MB this server accepts for JSON; upload batch files with POST /v1/files (multipart/form-data, purpose "batch")`;
