import type { SecretBox } from './nodes/contracts.ts';
import type { OperatorAllowList } from './policy/operatorAllowList.ts';

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
  /**
   * The engine's idea of now, for batch expiry (created_at + completion_window). Tests pass a clock they can
   * move forward to expire a batch without waiting; everything else uses Date.now.
   */
  clock?: () => number;
  /** How long a backend may hold requests in flight without finishing any before it is reported stuck (default 90 s). */
  executor?: { stuckAfterMs?: number };
  /** Remote nodes service; off when its dependencies are not wanted. */
  nodes?: { enabled: boolean };
  /**
   * What the machine's operator allows the engine to run and read (`serve --llama-server/--models-dir/
   * --ssh-keys-dir`); each list given here replaces the one in `<dataDir>/operator.json`.
   */
  operator?: Partial<OperatorAllowList>;
}
