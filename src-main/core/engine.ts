import path from 'node:path';
import type { Snapshot } from '../../shared/contract/index.ts';
import { ApiError } from '../../shared/contract/index.ts';
import type { GpuHostStatus } from '../../shared/gpu.ts';
import { BackendRegistry } from './backends/backendRegistry.ts';
import { BatchQueries } from './batches/batchQueries.ts';
import { BatchService } from './batches/batchService.ts';
import { Executor } from './batches/executor.ts';
import { ExecutorMonitor } from './batches/executorMonitor.ts';
import { ExpiryWatch } from './batches/expiryWatch.ts';
import { QueueLimits } from './batches/queueLimits.ts';
import { FileStore } from './batches/fileStore.ts';
import { PreparedUploads } from './batches/preparedUploads.ts';
import type { EngineConfig } from './engineConfig.ts';
import { AlertCenter } from './events/alertCenter.ts';
import { ChangeFeed } from './events/changeFeed.ts';
import { Router, type Handlers } from './events/router.ts';
import { localCommandRunner } from './gpu/commandRunner.ts';
import { GpuMonitor } from './gpu/gpuMonitor.ts';
import { BackendsRepo } from './store/backendsRepo.ts';
import { BatchesRepo } from './store/batchesRepo.ts';
import { openDatabase, type Db } from './store/database.ts';
import { EventsRepo } from './store/eventsRepo.ts';
import { FilesRepo } from './store/filesRepo.ts';
import { RequestsRepo } from './store/requestsRepo.ts';
import { SettingsRepo } from './store/settingsRepo.ts';
import { SimulatorBackend } from './backends/simulatorBackend.ts';
import { NodeFeature } from './nodeFeature.ts';
import { OperatorPolicy } from './policy/operatorPolicy.ts';

export interface Engine {
  readonly config: EngineConfig;
  readonly db: Db;
  readonly feed: ChangeFeed;
  readonly router: Router;
  readonly alerts: AlertCenter;
  readonly registry: BackendRegistry;
  readonly batches: BatchService;
  readonly uploads: PreparedUploads;
  readonly queries: BatchQueries;
  readonly fileStore: FileStore;
  readonly files: FilesRepo;
  readonly monitor: ExecutorMonitor;
  readonly executor: Executor;
  /** What the machine's operator allows; `allow` is reached by the desktop shell only, never by a request. */
  readonly operator: OperatorPolicy;
  gpuStatuses(): GpuHostStatus[];
  snapshot(): Snapshot;
  close(): Promise<void>;
}

/** The engine's answer to a request only the desktop shell may serve (it would read or write a path). */
function desktopOnly(name: string): never {
  throw new ApiError({ code: 'forbidden', message: `${name} is answered by the desktop window only; over HTTP, upload with POST /v1/files and download GET /v1/files/{id}/content` });
}

/** The event log of the cluster (nodes, coordinator, automatic recovery) lives next to the batches' logs under this id. */
export const CLUSTER_LOG_ID = 'cluster';

/** The composition root: builds every service from a config and wires them to the change feed. */
export async function createEngine(config: EngineConfig): Promise<Engine> {
  const dbPath = path.join(config.dataDir, 'batchdeck.sqlite');
  const db = openDatabase(dbPath);
  const feed = new ChangeFeed();
  const alerts = new AlertCenter(feed);
  const settingsRepo = new SettingsRepo(db);
  const batchesRepo = new BatchesRepo(db);
  const requestsRepo = new RequestsRepo(db);
  const eventsRepo = new EventsRepo(db);
  const filesRepo = new FilesRepo(db);
  const fileStore = new FileStore(config.dataDir, filesRepo);
  if (config.concurrency) settingsRepo.update({ defaultConcurrency: config.concurrency });

  const registry = new BackendRegistry({
    repo: new BackendsRepo(db),
    defaultConcurrency: () => settingsRepo.get().defaultConcurrency,
    onChange: (b) => feed.emit('backend.updated', b),
    onRemove: (id) => feed.emit('backend.removed', { id }),
    onHealthChange: (b) => {
      const key = `backend:${b.row.id}:down`;
      // A removed backend is reported here once more (health as it was): its alert goes with it.
      if (b.health === 'down' && registry.get(b.row.id)) alerts.raise({ key, severity: 'warning', source: 'backend', message: `Backend ${b.row.name} (${b.row.base_url}) is not answering: ${b.lastError}. Requests wait for it without using up their attempts.` });
      else alerts.clear(key);
      // Every batch this backend could serve hears of it: it explains a pause in progress, and the recovery.
      for (const run of executor.activeRuns) {
        const serves = run.model === null || b.models.length === 0 || b.models.includes(run.model);
        if (serves && b.health !== 'unknown') batches.log(run.id, b.health === 'down' ? 'warn' : 'info', `Backend ${b.row.name} is ${b.health}${b.health === 'down' ? ` (${b.lastError}); requests wait for it` : ''}`);
      }
      executor.schedulePump();
    },
  });

  const clock = config.clock ?? Date.now;
  const queueLimits = new QueueLimits(db, () => settingsRepo.get());
  const batches: BatchService = new BatchService({ dbPath, batches: batchesRepo, requests: requestsRepo, events: eventsRepo, files: filesRepo, fileStore, feed, alerts, executor: () => executor, limits: queueLimits, clock });
  const uploads = new PreparedUploads({ db, dbPath, files: filesRepo, fileStore, feed, batches });
  const queries = new BatchQueries({ batches: batchesRepo, requests: requestsRepo, events: eventsRepo, files: filesRepo, executor: () => executor, limits: queueLimits });
  const expiry = new ExpiryWatch(() => batches.expireDue());
  const executor: Executor = new Executor({
    batches: batchesRepo,
    requests: requestsRepo,
    registry,
    alerts,
    limits: () => {
      const s = settingsRepo.get();
      return { maxAttempts: s.maxAttempts, requestTimeoutMs: s.requestTimeoutMs };
    },
    hooks: {
      changed: (run) => batches.markChanged(run.id),
      log: (id, level, message) => batches.log(id, level, message),
      drained: (run) => batches.finalize(run),
    },
    waitingReason: () => nodes.waitingReason(),
  });
  const monitor = new ExecutorMonitor({
    db, executor, settings: settingsRepo, alerts, emit: (e, queue) => feed.emit('executor.heartbeat', { executor: e, queue }),
    ...(config.executor?.stuckAfterMs !== undefined ? { stuckAfterMs: config.executor.stuckAfterMs } : {}),
  });

  const gpuMonitors: GpuMonitor[] = [];
  if (config.gpu?.enabled !== false) {
    gpuMonitors.push(
      new GpuMonitor({
        host: 'local',
        runner: localCommandRunner,
        alerts,
        intervalMs: settingsRepo.get().gpuPollIntervalMs,
        onStatus: (s) => feed.emit('gpu.updated', s),
        ...(config.gpu?.command ? { poller: { command: config.gpu.command } } : {}),
      }),
    );
  }
  const gpuStatuses = () => [...gpuMonitors.map((m) => m.status()), ...nodes.gpuStatuses()];

  const simulator = new SimulatorBackend(registry);
  const operator = OperatorPolicy.forDataDir(config.dataDir, config.operator);
  operator.onChange((info) => feed.emit('operator.updated', info));
  const nodes = new NodeFeature({
    db, feed, alerts, registry, config, operator, gpuIntervalMs: () => settingsRepo.get().gpuPollIntervalMs,
    autoRecovery: () => settingsRepo.get().autoRecovery,
    // The cluster's own event log, and every running batch's log: a batch that pauses says why.
    log: (level, message) => {
      eventsRepo.append(CLUSTER_LOG_ID, level, message);
      for (const run of executor.activeRuns) {
        if (run.status === 'queued' || run.status === 'in_progress') batches.log(run.id, level, `Cluster: ${message}`);
      }
    },
  });

  const snapshot = (): Snapshot => ({
    executor: monitor.status(),
    queue: monitor.queue(),
    batches: queries.list('all', 500),
    backends: registry.list(),
    alerts: alerts.list(),
    settings: settingsRepo.get(),
    gpus: gpuStatuses(),
    ...nodes.snapshot(),
  });

  const handlers: Handlers = {
    'app.snapshot': () => snapshot(),
    'batches.list': (i) => queries.list(i.status ?? 'all', i.limit ?? 500),
    'batches.get': (i) => batches.summary(i.id),
    'files.validate': (i) => uploads.validate(i.fileId),
    'files.discard': (i) => uploads.discard(i.fileId),
    'files.importPath': () => desktopOnly('files.importPath'),
    'batches.submit': (i) => uploads.submit(i),
    'batches.estimate': (i) => queries.estimate(i.requestCount, i.priority),
    'batches.cancel': (i) => batches.cancel(i.id),
    'batches.pause': (i) => batches.pause(i.id),
    'batches.resume': (i) => batches.resume(i.id),
    'batches.retryFailed': (i) => batches.retryFailed(i.id),
    'batches.results': (i) => queries.results(i.id, i),
    'batches.log': (i) => queries.log(i.id, i.limit),
    'batches.throughput': (i) => queries.throughput(i.id),
    'batches.saveResults': () => desktopOnly('batches.saveResults'),
    'batches.compare': (i) => queries.compare(i.a, i.b, i.offset, i.limit),
    'backends.list': () => registry.list(),
    'backends.add': (i) => registry.add(i),
    'backends.update': (i) => registry.update(i.id, i),
    'backends.remove': (i) => {
      if (simulator.owns(i.id)) return simulator.stop();
      return registry.remove(i.id);
    },
    'backends.test': (i) => registry.test(i.id),
    'backends.startSimulator': () => simulator.start(),
    'settings.get': () => settingsRepo.get(),
    'settings.update': (i) => {
      const s = settingsRepo.update(i);
      for (const m of gpuMonitors) m.setIntervalMs(s.gpuPollIntervalMs);
      nodes.setGpuIntervalMs(s.gpuPollIntervalMs);
      feed.emit('settings.updated', s);
      return s;
    },
    'alerts.dismiss': (i) => alerts.dismiss(i.id),
    'cluster.log': (i) => eventsRepo.list(CLUSTER_LOG_ID, i.limit),
    'gpus.history': (i) => {
      const all = [...gpuMonitors.flatMap((m) => m.history()), ...nodes.gpuHistory()];
      return i.host ? all.filter((h) => h.host === i.host) : all;
    },
    ...nodes.handlers(),
    ...nodes.planHandlers(),
    'operator.allowList': () => operator.info(),
    'operator.pick': () => {
      throw new ApiError({ code: 'forbidden', message: `operator.pick is answered by the desktop window only: what the engine may run and read is allowed on the machine itself (serve --llama-server PATH, --models-dir DIR, --ssh-keys-dir DIR, or ${operator.info().configFile})` });
    },
  };

  const router = new Router(handlers);

  registry.start();
  for (const url of config.backends ?? []) {
    try {
      await registry.ensure(url, config.concurrency);
    } catch (err) {
      throw new ApiError({ code: 'invalid_input', message: `--backend ${url}: ${(err as Error).message}` });
    }
  }
  batches.recover();
  uploads.recover();
  batches.expireDue();
  expiry.start();
  monitor.start();
  for (const m of gpuMonitors) m.start();
  nodes.start();

  let closed = false;
  return {
    config, db, feed, router, alerts, registry, batches, uploads, queries, fileStore, files: filesRepo, monitor, executor, operator,
    gpuStatuses, snapshot,
    async close() {
      if (closed) return;
      closed = true;
      monitor.stop();
      expiry.stop();
      for (const m of gpuMonitors) m.stop();
      await nodes.close();
      await uploads.close();
      await batches.settled();
      batches.flushProgress();
      executor.close();
      registry.close();
      await simulator.stop().catch(() => undefined);
      db.close();
    },
  };
}
