import type { BackendInfo, BackendKind, BackendTestResult } from '../../../shared/backend.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { BackendRow, BackendsRepo } from '../store/backendsRepo.ts';
import { newId } from '../store/ids.ts';
import { normalizeBaseUrl } from './baseUrl.ts';
import { InferenceClient, getJson } from './inferenceClient.ts';

/** A backend as the executor sees it: its row plus live health, models and slot use. */
export interface LiveBackend {
  row: BackendRow;
  client: InferenceClient;
  health: BackendInfo['health'];
  models: string[];
  inFlight: number;
  /** Successful answers since the engine started; the executor counts them. */
  requestsServed: number;
  lastError: string | null;
  lastCheckedAt: number | null;
  probing: boolean;
}

export interface BackendInput {
  name: string;
  kind: BackendKind;
  baseUrl: string;
  apiKey?: string | null | undefined;
  maxConcurrency?: number | undefined;
  enabled?: boolean | undefined;
  simulated?: boolean;
}

const DOWN_PROBE_MS = 1_000;
const UP_PROBE_MS = 15_000;
const PROBE_TIMEOUT_MS = 3_000;

/** Registry, health and models of the OpenAI-compatible inference backends. */
export class BackendRegistry {
  private readonly repo: BackendsRepo;
  private readonly backends = new Map<string, LiveBackend>();
  private readonly onChange: (b: BackendInfo) => void;
  private readonly servedPushed = new WeakMap<LiveBackend, number>();
  private readonly onRemove: (id: string) => void;
  private readonly onHealthChange: (b: LiveBackend) => void;
  private readonly defaultConcurrency: () => number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: {
    repo: BackendsRepo;
    defaultConcurrency: () => number;
    onChange: (b: BackendInfo) => void;
    onRemove: (id: string) => void;
    onHealthChange: (b: LiveBackend) => void;
  }) {
    this.repo = opts.repo;
    this.onChange = opts.onChange;
    this.onRemove = opts.onRemove;
    this.onHealthChange = opts.onHealthChange;
    this.defaultConcurrency = opts.defaultConcurrency;
    for (const row of this.repo.all()) this.backends.set(row.id, this.live(row));
  }

  start(): void {
    for (const b of this.backends.values()) void this.probe(b);
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const b of this.backends.values()) b.client.close();
  }

  private live(row: BackendRow): LiveBackend {
    return { row, client: new InferenceClient(row.base_url, row.max_concurrency), health: 'unknown', models: [], inFlight: 0, requestsServed: 0, lastError: null, lastCheckedAt: null, probing: false };
  }

  private tick(): void {
    const now = Date.now();
    for (const b of this.backends.values()) {
      // Each backend's share of the work, pushed live (twice a second at most), not only on health changes.
      if (b.requestsServed !== this.servedPushed.get(b)) {
        this.servedPushed.set(b, b.requestsServed);
        this.onChange(this.info(b));
      }
      if (b.probing || !b.row.enabled) continue;
      const every = b.health === 'up' ? UP_PROBE_MS : DOWN_PROBE_MS;
      if (b.lastCheckedAt === null || now - b.lastCheckedAt >= every) void this.probe(b);
    }
  }

  all(): LiveBackend[] {
    return [...this.backends.values()];
  }

  get(id: string): LiveBackend | undefined {
    return this.backends.get(id);
  }

  info(b: LiveBackend): BackendInfo {
    return {
      id: b.row.id,
      name: b.row.name,
      kind: b.row.kind,
      baseUrl: b.row.base_url,
      hasApiKey: !!b.row.api_key,
      maxConcurrency: b.row.max_concurrency,
      enabled: !!b.row.enabled,
      health: b.health,
      lastError: b.lastError,
      lastCheckedAt: b.lastCheckedAt,
      models: b.models,
      inFlight: b.inFlight,
      requestsServed: b.requestsServed,
      simulated: !!b.row.simulated,
    };
  }

  list(): BackendInfo[] {
    return this.all().map((b) => this.info(b));
  }

  async add(input: BackendInput): Promise<BackendInfo> {
    let baseUrl: string;
    try {
      baseUrl = normalizeBaseUrl(input.baseUrl);
    } catch {
      throw new ApiError({ code: 'invalid_input', message: `Backend URL ${JSON.stringify(input.baseUrl)} is not a valid http(s) URL` });
    }
    const existing = this.repo.byUrl(baseUrl);
    if (existing) throw new ApiError({ code: 'conflict', message: `A backend with URL ${baseUrl} already exists (${existing.name})` });
    const maxConcurrency = input.maxConcurrency ?? (await this.discoverSlots(baseUrl, input.apiKey ?? null)) ?? this.defaultConcurrency();
    const row: BackendRow = {
      id: newId('backend'),
      name: input.name,
      kind: input.kind,
      base_url: baseUrl,
      api_key: input.apiKey ?? null,
      max_concurrency: maxConcurrency,
      enabled: input.enabled === false ? 0 : 1,
      simulated: input.simulated ? 1 : 0,
      created_at: Date.now(),
    };
    this.repo.insert(row);
    const b = this.live(row);
    this.backends.set(row.id, b);
    this.onChange(this.info(b));
    await this.probe(b);
    return this.info(b);
  }

  /** Adds a backend named on the command line unless one with that URL is already stored. */
  async ensure(url: string, concurrency: number | undefined): Promise<BackendInfo> {
    const baseUrl = normalizeBaseUrl(url);
    const existing = this.repo.byUrl(baseUrl);
    if (existing) {
      const b = this.backends.get(existing.id)!;
      if (concurrency && concurrency !== existing.max_concurrency) return this.update(existing.id, { maxConcurrency: concurrency });
      return this.info(b);
    }
    return this.add({ name: new URL(baseUrl).host, kind: 'openai-compatible', baseUrl, maxConcurrency: concurrency });
  }

  async update(id: string, patch: Partial<BackendInput>): Promise<BackendInfo> {
    const b = this.require(id);
    const row: BackendRow = { ...b.row };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.kind !== undefined) row.kind = patch.kind;
    if (patch.baseUrl !== undefined) row.base_url = normalizeBaseUrl(patch.baseUrl);
    if (patch.apiKey !== undefined) row.api_key = patch.apiKey;
    // The stored key belongs to the server it was given for: whoever may edit a backend must not be able
    // to send it to a URL of their choice. A new URL keeps a key only when the same update supplies one.
    else if (row.base_url !== b.row.base_url) row.api_key = null;
    if (patch.maxConcurrency !== undefined) row.max_concurrency = patch.maxConcurrency;
    if (patch.enabled !== undefined) row.enabled = patch.enabled ? 1 : 0;
    if (row.base_url !== b.row.base_url) {
      const clash = this.repo.byUrl(row.base_url);
      if (clash && clash.id !== id) throw new ApiError({ code: 'conflict', message: `A backend with URL ${row.base_url} already exists (${clash.name})` });
    }
    this.repo.update(row);
    const urlChanged = row.base_url !== b.row.base_url;
    b.row = row;
    if (urlChanged) {
      b.client.close();
      b.client = new InferenceClient(row.base_url, row.max_concurrency);
      b.health = 'unknown';
      b.models = [];
    } else {
      b.client.setMaxSockets(row.max_concurrency);
    }
    this.onChange(this.info(b));
    this.onHealthChange(b);
    if (urlChanged) await this.probe(b);
    return this.info(b);
  }

  remove(id: string): { id: string } {
    const b = this.require(id);
    this.repo.remove(id);
    this.backends.delete(id);
    b.client.close();
    this.onRemove(id);
    this.onHealthChange(b);
    return { id };
  }

  async test(id: string): Promise<BackendTestResult> {
    const b = this.require(id);
    const started = performance.now();
    await this.probe(b);
    const latencyMs = Math.round(performance.now() - started);
    if (b.health === 'up') return { ok: true, latencyMs, models: b.models, message: `Connected to ${b.row.base_url}: ${b.models.length} model(s) (${b.models.join(', ') || 'none listed'})` };
    return { ok: false, latencyMs: null, models: [], message: `Could not reach ${b.row.base_url}/models: ${b.lastError}. Check that the server is running and the URL is right.` };
  }

  private require(id: string): LiveBackend {
    const b = this.backends.get(id);
    if (!b) throw new ApiError({ code: 'not_found', message: `No backend with id ${id}` });
    return b;
  }

  /** llama-server reports its slot count at /props; use it so its slots are kept exactly full. */
  private async discoverSlots(baseUrl: string, apiKey: string | null): Promise<number | null> {
    try {
      const origin = baseUrl.replace(/\/v1$/, '');
      const { status, json } = await getJson(`${origin}/props`, apiKey, 1_500);
      const slots = (json as { total_slots?: unknown } | null)?.total_slots;
      // A few requests beyond the slot count wait in the server's own queue, so a slot that finishes starts
      // the next request at once instead of idling for a network round trip.
      if (status === 200 && typeof slots === 'number' && slots > 0 && slots <= 1024) return slots + Math.max(2, Math.ceil(slots / 4));
    } catch {
      // Not a llama-server, or not up yet: the default applies.
    }
    return null;
  }

  /** Asks the backend for /v1/models; marks it up or down and reports a change. */
  async probe(b: LiveBackend): Promise<void> {
    if (b.probing || this.closed) return;
    b.probing = true;
    const before = b.health;
    const beforeModels = b.models.join('\n');
    try {
      const { status, json } = await getJson(`${b.row.base_url}/models`, b.row.api_key, PROBE_TIMEOUT_MS);
      if (status === 200) {
        const data = (json as { data?: { id?: unknown }[] } | null)?.data;
        b.models = Array.isArray(data) ? data.map((m) => String(m.id ?? '')).filter(Boolean) : [];
        b.health = 'up';
        b.lastError = null;
      } else if (status === 401 || status === 403) {
        b.health = 'down';
        b.lastError = `HTTP ${status}: the API key was refused`;
      } else {
        b.health = 'down';
        b.lastError = `HTTP ${status} from /models`;
      }
    } catch (err) {
      b.health = 'down';
      const e = err as Error & { cause?: { code?: string } };
      b.lastError = e.cause?.code ?? e.message;
    } finally {
      b.probing = false;
      b.lastCheckedAt = Date.now();
    }
    if (this.closed || !this.backends.has(b.row.id)) return;
    if (before !== b.health) {
      if (b.health === 'up' && before === 'down') b.client.reset(b.row.max_concurrency);
      this.onHealthChange(b);
    }
    if (before !== b.health || beforeModels !== b.models.join('\n')) this.onChange(this.info(b));
  }

  /** The executor saw a connection failure: stop sending there until a probe says it is back. */
  markDown(b: LiveBackend, reason: string): void {
    if (b.health === 'down') return;
    b.health = 'down';
    b.lastError = reason;
    b.lastCheckedAt = Date.now();
    this.onHealthChange(b);
    this.onChange(this.info(b));
  }
}
