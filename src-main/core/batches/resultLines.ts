import type { RequestRow } from '../store/requestsRepo.ts';

/**
 * One line of an output or error file in OpenAI's format. Built by concatenation because the stored response
 * is already JSON text: re-parsing a 100,000-line file only to serialize it again would be wasted work.
 */
export function resultLine(row: RequestRow, batchId: string): string {
  const id = JSON.stringify(`batch_req_${batchId.slice(-12)}_${row.idx}`);
  const customId = JSON.stringify(row.custom_id);
  const response = row.status_code !== null && row.response !== null
    ? `{"status_code":${row.status_code},"request_id":${JSON.stringify(row.request_id ?? `req_${row.idx}`)},"body":${row.response}}`
    : 'null';
  // A failed request carries its reason even when the backend answered, so the error file says why on every line.
  const error = row.state !== 1 && row.error_code !== null ? JSON.stringify({ code: row.error_code, message: row.error_message ?? row.error_code }) : 'null';
  return `{"id":${id},"custom_id":${customId},"response":${response},"error":${error}}`;
}
