/** What the node service needs from the rest of the engine, kept as narrow interfaces. */

/** Encrypts node secrets (Electron safeStorage on the desktop). Headless mode has none and stores no secret. */
export interface SecretBox {
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** Lets the coordinator appear as an inference backend once it is ready. */
export interface BackendRegistrar {
  registerCoordinator(input: { baseUrl: string; model: string }): Promise<void> | void;
  unregisterCoordinator(baseUrl: string): Promise<void> | void;
}

/**
 * A line about the cluster for the operator: what failed and what Batchdeck did about it. The engine writes
 * it to the cluster's event log and to the log of every batch that is running.
 */
export type ClusterLog = (level: 'info' | 'warn' | 'error', message: string) => void;
