import { describe, expect, it } from 'vitest';
import { resultLine } from '../../../src-main/core/batches/resultLines.ts';
import type { RequestRow } from '../../../src-main/core/store/requestsRepo.ts';

const base: RequestRow = {
  batch_id: 'batch-1', idx: 3, custom_id: 'req "4"', offset: 0, length: 10, state: 1, attempts: 1, status_code: 200, request_id: 'r-1',
  response: '{"id":"chatcmpl-1","usage":{"prompt_tokens":3,"completion_tokens":5}}', error_code: null, error_message: null,
  prompt_tokens: 3, completion_tokens: 5, latency_ms: 12, finished_at: 1,
};

describe('result lines', () => {
  it('writes a succeeded request in OpenAI output format', () => {
    const line = JSON.parse(resultLine(base, 'batch-1'));
    expect(line).toEqual({
      id: expect.stringMatching(/^batch_req_/),
      custom_id: 'req "4"',
      response: { status_code: 200, request_id: 'r-1', body: { id: 'chatcmpl-1', usage: { prompt_tokens: 3, completion_tokens: 5 } } },
      error: null,
    });
  });

  it('writes a request that never got an answer with its reason and no response', () => {
    const line = JSON.parse(resultLine({ ...base, state: 2, status_code: null, response: null, error_code: 'timeout', error_message: 'gave up after 5 attempts' }, 'batch-1'));
    expect(line.response).toBeNull();
    expect(line.error).toEqual({ code: 'timeout', message: 'gave up after 5 attempts' });
  });

  it('keeps the backend answer and our reason for a refused request', () => {
    const line = JSON.parse(resultLine({ ...base, state: 2, status_code: 400, response: '{"error":{"message":"bad"}}', error_code: 'request_rejected', error_message: 'HTTP 400 from sim' }, 'batch-1'));
    expect(line.response.status_code).toBe(400);
    expect(line.response.body.error.message).toBe('bad');
    expect(line.error.code).toBe('request_rejected');
  });
});
