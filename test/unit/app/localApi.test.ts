import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../shared/engineState.ts';
import { SettingsMirror } from '../../../src-main/app/settingsMirror.ts';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import { LOCAL_API_HOST, LocalApiSwitch, type RunningServer } from '../../../src-main/app/localApi.ts';

function fakeServers(options: { failPorts?: number[]; startDelayMs?: number } = {}) {
  const log: string[] = [];
  const open = new Set<number>();
  const start = async ({ host, port }: { host: string; port: number }): Promise<RunningServer> => {
    log.push(`start ${host}:${port}`);
    await new Promise((r) => setTimeout(r, options.startDelayMs ?? 1));
    if (options.failPorts?.includes(port)) throw new Error('listen EADDRINUSE');
    if (open.has(port)) throw new Error(`two servers on ${port}`);
    open.add(port);
    return {
      url: `http://${host}:${port}`,
      close: async () => {
        log.push(`close ${port}`);
        open.delete(port);
      },
    };
  };
  return { start, log, open };
}

describe('local HTTP API switch', () => {
  it('starts on 127.0.0.1 at the configured port when turned on, and closes when turned off', async () => {
    const servers = fakeServers();
    const errors: string[] = [];
    const sw = new LocalApiSwitch({ start: servers.start, onError: (m) => errors.push(m) });
    await sw.apply({ httpApiEnabled: false, httpApiPort: 4080 });
    expect(servers.log).toEqual([]);
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    expect(sw.url).toBe(`http://${LOCAL_API_HOST}:4080`);
    await sw.apply({ httpApiEnabled: false, httpApiPort: 4080 });
    expect(sw.url).toBeNull();
    expect(servers.log).toEqual(['start 127.0.0.1:4080', 'close 4080']);
    expect(errors).toEqual([]);
  });

  it('does nothing when other settings change', async () => {
    const servers = fakeServers();
    const sw = new LocalApiSwitch({ start: servers.start, onError: () => {} });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    expect(servers.log).toEqual(['start 127.0.0.1:4080']);
  });

  it('moves to a new port while on', async () => {
    const servers = fakeServers();
    const sw = new LocalApiSwitch({ start: servers.start, onError: () => {} });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 5000 });
    expect(servers.log).toEqual(['start 127.0.0.1:4080', 'close 4080', 'start 127.0.0.1:5000']);
    expect([...servers.open]).toEqual([5000]);
  });

  it('settles quick on/off/on toggles into one server, in order', async () => {
    const servers = fakeServers({ startDelayMs: 20 });
    const sw = new LocalApiSwitch({ start: servers.start, onError: () => {} });
    const all = [
      sw.apply({ httpApiEnabled: true, httpApiPort: 4080 }),
      sw.apply({ httpApiEnabled: false, httpApiPort: 4080 }),
      sw.apply({ httpApiEnabled: true, httpApiPort: 4081 }),
    ];
    await Promise.all(all);
    expect([...servers.open]).toEqual([4081]);
    expect(sw.url).toBe('http://127.0.0.1:4081');
  });

  it('reports a port that cannot be bound, and tries again on the next change', async () => {
    const servers = fakeServers({ failPorts: [4080] });
    const errors: string[] = [];
    const sw = new LocalApiSwitch({ start: servers.start, onError: (m) => errors.push(m) });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    expect(errors).toEqual([expect.stringContaining('127.0.0.1:4080: listen EADDRINUSE')]);
    expect(sw.url).toBeNull();
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4090 });
    expect(sw.url).toBe('http://127.0.0.1:4090');
  });

  it('closes on quit', async () => {
    const servers = fakeServers();
    const sw = new LocalApiSwitch({ start: servers.start, onError: () => {} });
    await sw.apply({ httpApiEnabled: true, httpApiPort: 4080 });
    await sw.close();
    expect(servers.open.size).toBe(0);
  });

  it("reacts to the feed's settings.updated through the settings mirror", async () => {
    const servers = fakeServers();
    const sw = new LocalApiSwitch({ start: servers.start, onError: () => {} });
    const feed = new ChangeFeed();
    const mirror = new SettingsMirror(DEFAULT_SETTINGS);
    feed.subscribe(mirror.onEvent);
    const applied: Promise<void>[] = [];
    mirror.onChange((next) => applied.push(sw.apply(next)));
    feed.emit('settings.updated', { ...DEFAULT_SETTINGS, httpApiEnabled: true, httpApiPort: 4555 });
    await Promise.all(applied);
    expect(mirror.value.httpApiEnabled).toBe(true);
    expect(sw.url).toBe('http://127.0.0.1:4555');
  });
});
