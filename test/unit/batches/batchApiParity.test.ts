import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '../../../shared/batch.ts';
import { completionWindowMs } from '../../../shared/batch.ts';
import { errorsPathFor } from '../../../src-main/cli/runCommand.ts';
import { formatEta, progressBar, progressFacts } from '../../../src-main/cli/runProgress.ts';
import { ErrorList } from '../../../src-main/core/batches/ingest/errorList.ts';
import { RequestFields, scanRequestLine } from '../../../src-main/core/batches/ingest/fastRequestScan.ts';
import { RequestValidator } from '../../../src-main/core/batches/ingest/requestValidator.ts';
import { summarizeRequest, summarizeResponse } from '../../../src-renderer/format/payload.ts';

describe('completion windows', () => {
  it('accepts 24h and the m/h/d extension from 1 minute to 30 days', () => {
    expect(completionWindowMs('24h')).toBe(86_400_000);
    expect(completionWindowMs('30m')).toBe(1_800_000);
    expect(completionWindowMs('6h')).toBe(21_600_000);
    expect(completionWindowMs('7d')).toBe(604_800_000);
    expect(completionWindowMs('30d')).toBe(2_592_000_000);
  });
  it('refuses anything else', () => {
    for (const w of ['', '24', 'h', '0m', '31d', '2w', '1.5h', ' 24h', '24H', '-1h', '999999m']) expect(completionWindowMs(w), w).toBeNull();
  });
});

/** Validates lines both ways (the byte scanner and JSON.parse) and returns the errors' codes per line. */
function validateBothWays(line: string): { fast: string[]; slow: string[] } {
  const whole = Buffer.from(line);
  // The byte scanner must take these lines itself, or the comparison below would be of the slow path twice.
  expect(scanRequestLine(whole, 0, whole.length, new RequestFields())).toBe(true);
  const codes = (useFast: boolean) => {
    const errors = new ErrorList();
    // One line per validator: no earlier custom_id to compare with.
    const v = new RequestValidator({ errors, previewCount: 0, isSameId: () => false });
    const buf = Buffer.from(line);
    const fields = new RequestFields();
    if (useFast && scanRequestLine(buf, 0, buf.length, fields)) v.validateScanned(buf, fields, 1, 0);
    else v.validate(line, 1, 0);
    return errors.toArray().map((e) => e.code);
  };
  return { fast: codes(true), slow: codes(false) };
}

describe('/v1/responses lines in ingest', () => {
  const line = (body: unknown) => JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/responses', body });
  it('accepts input as a string or an array of items, the same on the fast and the slow path', () => {
    for (const body of [{ model: 'm', input: 'hi' }, { model: 'm', input: [{ role: 'user', content: 'hi' }] }, { input: [], model: 'm' }]) {
      expect(validateBothWays(line(body))).toEqual({ fast: [], slow: [] });
    }
  });
  it('reports a missing or wrongly typed input as missing_input, the same on both paths', () => {
    for (const body of [{ model: 'm' }, { model: 'm', input: 3 }, { model: 'm', input: null }, { model: 'm', input: { text: 'x' } }, { model: 'm', input: 'x', extra: { input: 'y' } }]) {
      const r = validateBothWays(line(body));
      const expected = 'extra' in body ? [] : ['missing_input'];
      expect(r, JSON.stringify(body)).toEqual({ fast: expected, slow: expected });
    }
  });
  it('keeps input optional for the other endpoints', () => {
    const chat = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] } });
    expect(validateBothWays(chat)).toEqual({ fast: [], slow: [] });
  });
});

describe('the window shows Responses requests and answers as text', () => {
  it('summarizes a Responses request by its input and a response object by its output text', () => {
    expect(summarizeRequest({ model: 'm', input: 'Say hi' })).toBe('Say hi');
    expect(summarizeRequest({ model: 'm', input: [{ role: 'user', content: 'first' }, { role: 'user', content: [{ type: 'input_text', text: 'last' }] }] })).toBe('last');
    const response = { object: 'response', output: [{ type: 'reasoning', summary: [] }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello there' }] }] };
    expect(summarizeResponse(response)).toBe('Hello there');
  });
});

describe('batchdeck run output names and progress', () => {
  it('puts errors next to the output as OUT.errors.jsonl', () => {
    expect(errorsPathFor('/x/out.jsonl')).toBe('/x/out.errors.jsonl');
    expect(errorsPathFor('/x/results')).toBe('/x/results.errors.jsonl');
  });
  it('formats ETA and the bar with done/total, percent, failures and req/s', () => {
    expect(formatEta(null)).toBe('--');
    expect(formatEta(12.4)).toBe('12s');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(3725)).toBe('1h02m');
    const b = { counts: { total: 200, completed: 90, failed: 10 }, throughput: { requestsPerSecond: 12.345, tokensPerSecond: 0, etaSeconds: 8 } } as BatchSummary;
    expect(progressFacts(b)).toBe('100/200 (50%, 10 failed) 12.3 req/s ETA 8s');
    expect(progressBar(b, 80)).toMatch(/^\[#+-+\] 100\/200/);
    expect(progressBar(b, 80).length).toBeLessThanOrEqual(80);
  });
});
