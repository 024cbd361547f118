import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src-main/core/gpu/ringBuffer.ts';

describe('ring buffer', () => {
  it('keeps items in the order they came until full', () => {
    const ring = new RingBuffer<number>(3);
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    expect(ring.last()).toBe(2);
  });

  it('drops the oldest items once full', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 7; i += 1) ring.push(i);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(7);
  });

  it('keeps the newest items when made smaller, and all of them when made larger', () => {
    const ring = new RingBuffer<number>(4);
    for (let i = 1; i <= 6; i += 1) ring.push(i);
    ring.resize(2);
    expect(ring.toArray()).toEqual([5, 6]);
    ring.resize(5);
    ring.push(7);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect(ring.capacity).toBe(5);
  });

  it('refuses a capacity that cannot hold anything', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it('has no last item when empty', () => {
    expect(new RingBuffer(2).last()).toBeUndefined();
  });
});
