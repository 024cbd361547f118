import type { SecretBox } from './nodes/contracts.ts';

export interface EngineConfig {
  /** Folder holding batchdeck.sqlite and uploaded files (the user-data folder on the desktop). */
  dataDir: string;
  /** Backend base URLs to add to the registry at start (kept alongside those already stored). */
  backends?: string[];
  /** Default max concurrent requests for a backend added without its own. */
  concurrency?: number;
  /** Electron safeStorage on the desktop; null headless (no secret is stored then). */
  secrets?: SecretBox | null;
  /** nvidia-smi polling; off in tests that do not need it. */
  gpu?: { enabled: boolean; command?: string };
  /** Remote nodes service; off when its dependencies are not wanted. */
  nodes?: { enabled: boolean; llamaServerPath?: string };
}
