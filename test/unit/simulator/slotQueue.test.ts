import { describe, expect, it } from 'vitest';
import { SlotQueue } from '../../../src-main/simulator/slotQueue.ts';

describe('simulator slots', () => {
  it('runs at most `slots` jobs and starts waiting ones in arrival order', () => {
    const q = new SlotQueue(2);
    const started: number[] = [];
    for (let i = 0; i < 5; i++) q.acquire(() => started.push(i));
    expect(started).toEqual([0, 1]);
    expect(q.waiting).toBe(3);
    q.release();
    expect(started).toEqual([0, 1, 2]);
    q.release();
    q.release();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(q.running).toBe(2);
    expect(q.maxRunning).toBe(2);
  });

  it('skips a job withdrawn while waiting (its client went away)', () => {
    const q = new SlotQueue(1);
    const started: string[] = [];
    q.acquire(() => started.push('a'));
    const withdrawB = q.acquire(() => started.push('b'));
    q.acquire(() => started.push('c'));
    withdrawB();
    expect(q.waiting).toBe(1);
    q.release();
    expect(started).toEqual(['a', 'c']);
    withdrawB();
    expect(q.waiting).toBe(0);
  });

  it('keeps FIFO order through a long queue', () => {
    const q = new SlotQueue(1);
    const started: number[] = [];
    for (let i = 0; i < 5000; i++) q.acquire(() => started.push(i));
    for (let i = 0; i < 5000; i++) q.release();
    expect(started).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(q.running).toBe(0);
  });
});
