import { describe, expect, it } from 'vitest';
import { integer, quantity, text } from '../../../src-main/core/gpu/nvidiaSmiValues.ts';

describe('nvidia-smi readings', () => {
  it.each([
    ['1234 MiB', 'MiB', 1234],
    ['45 %', '%', 45],
    ['10.3 %', '%', 10.3],
    ['62 C', 'C', 62],
    ['-5 C', 'C', -5],
    ['250.00 W', 'W', 250],
    ['1500 MHz', 'MHz', 1500],
    ['  7 %  ', '%', 7],
  ])('reads %j as %s', (raw, unit, expected) => {
    expect(quantity(raw, unit)).toBe(expected);
  });

  it.each(['N/A', '[N/A]', 'Not Supported', '[Not Supported]', 'Unknown Error', '[Unknown Error]', 'Requested functionality has been deprecated', '[Insufficient Permissions]', '', '   '])(
    'shows %j as no value, never 0 or NaN',
    (raw) => {
      expect(quantity(raw, 'W')).toBeNull();
      expect(integer(raw)).toBeNull();
      expect(text(raw)).toBeNull();
    },
  );

  it('does not guess a conversion when a reading comes in another unit', () => {
    expect(quantity('12 GiB', 'MiB')).toBeNull();
    expect(quantity('250.00 W', 'MiB')).toBeNull();
  });

  it('shows text that is not a number as no value rather than NaN', () => {
    expect(quantity('lots MiB', 'MiB')).toBeNull();
    expect(quantity('1.2.3 W', 'W')).toBeNull();
    expect(integer('12 MiB')).toBeNull();
  });

  it('shows a missing element or one with children as no value', () => {
    expect(quantity(undefined, 'W')).toBeNull();
    expect(text({ nested: 'x' })).toBeNull();
    expect(integer(['1'])).toBeNull();
  });

  it('keeps real text as it is, trimmed', () => {
    expect(text('  NVIDIA A100-SXM4-80GB ')).toBe('NVIDIA A100-SXM4-80GB');
    expect(integer('58813')).toBe(58813);
  });
});
