export const BACKEND_KINDS = ['llama-server', 'vllm', 'ollama', 'openai-compatible', 'simulator', 'coordinator'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export type BackendHealth = 'unknown' | 'up' | 'down';

export interface BackendInfo {
  id: string;
  name: string;
  kind: BackendKind;
  baseUrl: string;
  hasApiKey: boolean;
  maxConcurrency: number;
  enabled: boolean;
  health: BackendHealth;
  lastError: string | null;
  lastCheckedAt: number | null;
  models: string[];
  inFlight: number;
  /** Requests this backend answered successfully since the engine started (its share of a batch, live). */
  requestsServed: number;
  /** True for the built-in simulated backend, which the UI must label as such. */
  simulated: boolean;
}

export interface BackendTestResult {
  ok: boolean;
  latencyMs: number | null;
  models: string[];
  message: string;
}
