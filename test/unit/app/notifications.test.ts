import { describe, expect, it } from 'vitest';
import type { BatchStatus, BatchSummary } from '../../../shared/batch.ts';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import { BatchNotifier, type BatchNotice } from '../../../src-main/app/notifications.ts';

function batch(id: string, status: BatchStatus, extra: Partial<BatchSummary> = {}): BatchSummary {
  return {
    id, name: `${id}.jsonl`, status, endpoint: '/v1/chat/completions', model: 'm', priority: 0, inputFileId: 'f',
    outputFileId: null, errorFileId: null, createdAt: 0, startedAt: null, finishedAt: null,
    counts: { total: 2000, completed: 2000, failed: 0 }, pending: 0, inFlight: 0,
    usage: { promptTokens: 0, completionTokens: 0 }, throughput: { requestsPerSecond: 0, tokensPerSecond: 0, etaSeconds: null },
    errors: [], metadata: null, ...extra,
  };
}

function setup(enabled = { value: true }) {
  const shown: BatchNotice[] = [];
  const notifier = new BatchNotifier({ show: (n) => shown.push(n), enabled: () => enabled.value });
  const feed = new ChangeFeed();
  feed.subscribe(notifier.onEvent);
  return { shown, notifier, feed, enabled };
}

describe('batch notifications', () => {
  it('fires once when a batch reaches completed, however many updates repeat it', () => {
    const { shown, feed } = setup();
    feed.emit('batch.updated', batch('b1', 'queued'));
    feed.emit('batch.updated', batch('b1', 'in_progress'));
    feed.emit('batch.updated', batch('b1', 'in_progress'));
    feed.emit('batch.updated', batch('b1', 'completed'));
    feed.emit('batch.updated', batch('b1', 'completed'));
    feed.emit('batch.updated', batch('b1', 'completed'));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ batchId: 'b1', title: 'Batch completed: b1.jsonl', body: expect.stringContaining('2000 / 2000') });
  });

  it('fires once when a batch fails, with the reason', () => {
    const { shown, feed } = setup();
    feed.emit('batch.updated', batch('b2', 'in_progress'));
    const failed = batch('b2', 'failed', { errors: [{ code: 'no_backend', message: 'No backend serves model m', line: null, param: null }] });
    feed.emit('batch.updated', failed);
    feed.emit('batch.updated', failed);
    expect(shown).toEqual([{ batchId: 'b2', title: 'Batch failed: b2.jsonl', body: 'No backend serves model m' }]);
  });

  it('stays quiet for the other statuses', () => {
    const { shown, feed } = setup();
    for (const s of ['validating', 'queued', 'in_progress', 'paused', 'finalizing', 'cancelling', 'cancelled', 'expired'] as const) {
      feed.emit('batch.updated', batch('b3', s));
    }
    expect(shown).toEqual([]);
  });

  it('fires again for a new transition: retried failures that complete', () => {
    const { shown, feed } = setup();
    feed.emit('batch.updated', batch('b4', 'in_progress'));
    feed.emit('batch.updated', batch('b4', 'completed', { counts: { total: 10, completed: 8, failed: 2 } }));
    feed.emit('batch.updated', batch('b4', 'in_progress'));
    feed.emit('batch.updated', batch('b4', 'completed'));
    expect(shown.map((n) => n.title)).toEqual(['Batch completed: b4.jsonl', 'Batch completed: b4.jsonl']);
    expect(shown[0]!.body).toContain('2 failed');
  });

  it('announces a batch created and finished after start even if its first update is the final one', () => {
    const { shown, feed } = setup();
    feed.emit('batch.updated', batch('quick', 'completed'));
    expect(shown).toHaveLength(1);
  });

  it('does not announce batches that had already finished when the app started', () => {
    const { shown, feed, notifier } = setup();
    notifier.seed([batch('old', 'completed'), batch('older', 'failed')]);
    feed.emit('batch.updated', batch('old', 'completed'));
    feed.emit('batch.updated', batch('older', 'failed'));
    expect(shown).toEqual([]);
  });

  it('lets a newer status from the feed win over the seed', () => {
    const { shown, feed, notifier } = setup();
    feed.emit('batch.updated', batch('b5', 'completed'));
    notifier.seed([batch('b5', 'in_progress')]);
    feed.emit('batch.updated', batch('b5', 'completed'));
    expect(shown).toHaveLength(1);
  });

  it('respects settings.notifications at the moment of the transition', () => {
    const { shown, feed, enabled } = setup({ value: false });
    feed.emit('batch.updated', batch('b6', 'in_progress'));
    feed.emit('batch.updated', batch('b6', 'completed'));
    expect(shown).toEqual([]);
    enabled.value = true;
    feed.emit('batch.updated', batch('b6', 'completed'));
    // The transition happened while notifications were off: it is not replayed later.
    expect(shown).toEqual([]);
    feed.emit('batch.updated', batch('b7', 'failed'));
    expect(shown).toHaveLength(1);
  });

  it('ignores other events and forgets removed batches', () => {
    const { shown, feed } = setup();
    feed.emit('alert.cleared', { id: 'x' });
    feed.emit('batch.updated', batch('b8', 'completed'));
    feed.emit('batch.removed', { id: 'b8' });
    feed.emit('batch.updated', batch('b8', 'completed'));
    expect(shown).toHaveLength(2);
  });
});
