import { ApiError } from '../../shared/contract/index.ts';
import type { SecretBox } from '../core/nodes/contracts.ts';

/** The part of Electron's safeStorage the shell uses (an interface, so tests need no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
  /** Linux only: which store holds the key ('basic_text' means a hard-coded key, i.e. no protection). */
  getSelectedStorageBackend?(): string;
}

/**
 * Why secrets cannot be kept right now, or null when they can. Linux's 'basic_text' backend "encrypts"
 * with a key compiled into Chromium, which protects nothing, so it counts as unavailable.
 */
export function secretsUnavailableReason(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | null {
  if (!storage.isEncryptionAvailable()) {
    return platform === 'linux'
      ? 'No OS keyring is available (GNOME Keyring / KWallet via libsecret), so Batchdeck cannot encrypt secrets. Use ssh-agent or a key file, or start a keyring and restart Batchdeck.'
      : 'The OS secret store is not available, so Batchdeck cannot encrypt secrets. Use ssh-agent or a key file.';
  }
  if (platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text') {
    return 'No OS keyring is available (Electron fell back to a built-in key, which protects nothing), so Batchdeck will not store secrets. Use ssh-agent or a key file, or start GNOME Keyring / KWallet and restart Batchdeck.';
  }
  return null;
}

/**
 * The engine's SecretBox on the desktop. Availability is checked on every call (the keyring can appear or
 * go away while the app runs); when it is missing the request fails with a message the UI shows, and
 * nothing is written in clear.
 */
export function createSecretBox(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretBox {
  const check = () => {
    const reason = secretsUnavailableReason(storage, platform);
    if (reason) throw new ApiError({ code: 'unavailable', message: reason });
  };
  return {
    encrypt(plain: string): Buffer {
      check();
      return storage.encryptString(plain);
    },
    decrypt(cipher: Buffer): string {
      check();
      return storage.decryptString(cipher);
    },
  };
}
