import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/contract/index.ts';
import { createSecretBox, secretsUnavailableReason, type SafeStorageLike } from '../../../src-main/app/secrets.ts';

function storage(available: boolean, backend = 'gnome_libsecret'): SafeStorageLike & { calls: number } {
  return {
    calls: 0,
    isEncryptionAvailable: () => available,
    encryptString(plain) { this.calls++; return Buffer.from(`enc:${plain}`); },
    decryptString(cipher) { this.calls++; return cipher.toString().replace(/^enc:/, ''); },
    getSelectedStorageBackend: () => backend,
  };
}

describe('secret box', () => {
  it('encrypts and decrypts through the OS store when it is there', () => {
    const box = createSecretBox(storage(true), 'linux');
    expect(box.decrypt(box.encrypt('hunter2'))).toBe('hunter2');
  });

  it('refuses, with a message, when encryption is unavailable, and never stores in clear', () => {
    const s = storage(false);
    const box = createSecretBox(s, 'linux');
    const err = (() => { try { box.encrypt('hunter2'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unavailable', message: expect.stringContaining('keyring') });
    expect(() => box.decrypt(Buffer.from('x'))).toThrow(ApiError);
    expect(s.calls).toBe(0);
  });

  it("treats Linux's basic_text fallback (a built-in key) as unavailable", () => {
    expect(secretsUnavailableReason(storage(true, 'basic_text'), 'linux')).toMatch(/protects nothing/);
    expect(secretsUnavailableReason(storage(true, 'kwallet5'), 'linux')).toBeNull();
    expect(secretsUnavailableReason(storage(true, 'basic_text'), 'darwin')).toBeNull();
    expect(secretsUnavailableReason(storage(false), 'win32')).toMatch(/not available/);
  });

  it('checks at every call, so a keyring that appears later is used', () => {
    let available = false;
    const s: SafeStorageLike = { ...storage(true), isEncryptionAvailable: () => available };
    const box = createSecretBox(s, 'darwin');
    expect(() => box.encrypt('a')).toThrow();
    available = true;
    expect(box.encrypt('a').toString()).toBe('enc:a');
  });
});
