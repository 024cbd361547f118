import { describe, expect, it } from 'vitest';
import { sameFingerprint, sha256Fingerprint } from '../../../src-main/core/nodes/hostKey.ts';

// Public keys and the fingerprints `ssh-keygen -lf` printed for them.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIA5DdyhDYlMiW/P2ISxGyk3mU/9+61/g5qGwUQ76RNpz';
const RSA = 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQDHDBSfpcNVdEbnEjOnVFjYpd8XunEz7RUnF6L8FyKfluetqVmjGQaUzPiaTe2ny2IpoRMHhVi9DtFxml26qaUfSItWZk+qtjpKKtH2KKj586l1jOnAiYdNoWzzMZM+p0egwDenjvG+g0U/w5686WffV42q77p4TGwNQwsA524C1Q==';

describe('host key fingerprints', () => {
  it('match what ssh-keygen shows on the node, so the operator can compare them', () => {
    expect(sha256Fingerprint(Buffer.from(ED25519, 'base64'))).toBe('SHA256:MNLrZbXzHAFTC4RRGqyIZXrszA10EfMiQgjvua3s+Vw');
    expect(sha256Fingerprint(Buffer.from(RSA, 'base64'))).toBe('SHA256:gru13/JboAnylWaQft7REQsEj497U/kSwtUtwdSsctE');
  });

  it('compare equal with or without base64 padding, and never equal to nothing', () => {
    expect(sameFingerprint('SHA256:abc', 'SHA256:abc=')).toBe(true);
    expect(sameFingerprint('SHA256:abc', 'SHA256:abd')).toBe(false);
    expect(sameFingerprint(null, 'SHA256:abc')).toBe(false);
  });
});
