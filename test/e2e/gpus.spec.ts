/**
 * GPU telemetry in the window, with a fake `nvidia-smi` first on serve's PATH printing a real 8-GPU capture
 * (test/fixtures/nvidia-smi/datakit__gtx-8card.xml, driver 460.73.01). The expected values below are read off that
 * XML by hand, not taken from the parser.
 */
import { expect, test, type Page } from '@playwright/test';
import { startStack, type FakeNvidiaSmi, type Stack } from './support/stack.ts';
import { gpuNotices, openWindow, watchGpuNotices } from './support/page.ts';

const NAME = 'Tesla V100S-PCIE-32GB';
const TOTAL_MIB = 32510;
const LIMIT_W = 250;
/** From the capture: <minor_number>, <uuid>, <fb_memory_usage><used>, <utilization><gpu_util>, <gpu_temp>, <power_draw>. */
const CAPTURE = [
  { index: 0, uuid: 'GPU-76098dc1-d3bc-9a1b-7ea6-f7b48837829e', usedMiB: 31689, util: 97, temp: 66, power: 232.8 },
  { index: 1, uuid: 'GPU-bbf7a241-bf9a-eb90-b2fb-d213294faf48', usedMiB: 29545, util: 75, temp: 58, power: 152.03 },
  { index: 2, uuid: 'GPU-8f75e71c-23dd-a060-d997-4caf592954db', usedMiB: 29539, util: 80, temp: 57, power: 67.57 },
  { index: 3, uuid: 'GPU-3181eb56-505c-8214-ba05-c132f68f89b8', usedMiB: 32099, util: 23, temp: 61, power: 198.41 },
  { index: 4, uuid: 'GPU-2aa87d54-d4ff-2900-812b-1a4b7e119583', usedMiB: 29517, util: 98, temp: 59, power: 117.99 },
  { index: 5, uuid: 'GPU-39c3a168-9034-0b5a-223a-1042f30a9242', usedMiB: 32141, util: 98, temp: 64, power: 85.8 },
  { index: 6, uuid: 'GPU-d2446f91-171e-1b54-515d-9d9b03484ddf', usedMiB: 32157, util: 91, temp: 61, power: 68.14 },
  { index: 7, uuid: 'GPU-1d955959-c95b-4f40-2cac-100d3006ffe2', usedMiB: 29501, util: 99, temp: 57, power: 61.47 },
];
/** How the cards print them: MiB / 1024 to one decimal, watts rounded. */
const SHOWN = [
  { memory: '30.9 GiB / 31.7 GiB', power: '233 W / 250 W' },
  { memory: '28.9 GiB / 31.7 GiB', power: '152 W / 250 W' },
  { memory: '28.8 GiB / 31.7 GiB', power: '68 W / 250 W' },
  { memory: '31.3 GiB / 31.7 GiB', power: '198 W / 250 W' },
  { memory: '28.8 GiB / 31.7 GiB', power: '118 W / 250 W' },
  { memory: '31.4 GiB / 31.7 GiB', power: '86 W / 250 W' },
  { memory: '31.4 GiB / 31.7 GiB', power: '68 W / 250 W' },
  { memory: '28.8 GiB / 31.7 GiB', power: '61 W / 250 W' },
];

let stack: Stack;
let fake: FakeNvidiaSmi;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  stack = await startStack({ gpuCapture: 'datakit__gtx-8card.xml', settings: { gpuPollIntervalMs: 500 } });
  fake = stack.gpu!;
});

test.afterAll(async () => {
  if (fake) {
    fake.comeBack();
    fake.setMode('ok');
  }
  await stack?.stop();
});

function gpuSection(page: Page) {
  return page.getByRole('region', { name: 'GPUs on This machine' });
}

function card(page: Page, index: number) {
  return page.getByRole('article', { name: `GPU ${index} ${NAME} on This machine` });
}

interface HealthGpu { host: string; index: number; name: string | null; uuid: string | null; memoryUsedMiB: number | null; memoryTotalMiB: number | null; utilizationGpuPercent: number | null; temperatureC: number | null; powerDrawW: number | null; powerLimitW: number | null }

async function health(): Promise<{ gpus: HealthGpu[]; gpuHosts: { host: string; state: string; message: string | null }[] }> {
  const res = await fetch(`${stack.url}/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as { gpus: HealthGpu[]; gpuHosts: { host: string; state: string; message: string | null }[] };
}

/** The window is back to normal: eight cards, no failing banner, no nvidia-smi alert. */
async function expectHealthyWindow(page: Page, timeout = 15_000): Promise<void> {
  await expect(gpuSection(page).getByRole('article')).toHaveCount(8, { timeout });
  await expect(gpuSection(page).getByRole('alert')).toHaveCount(0);
  await expect(gpuSection(page).getByText('No NVIDIA GPU found')).toHaveCount(0);
  await expect(page.locator('[data-alert-key="gpu:local:nvidia-smi"]')).toHaveCount(0);
  await expect(card(page, 0)).toContainText(SHOWN[0]!.memory);
}

test('the Dashboard GPU cards show what nvidia-smi reports, and GET /health lists the same GPUs', async ({ page }) => {
  await openWindow(page, stack.url);
  const section = gpuSection(page);
  await expect(section.getByRole('article')).toHaveCount(8);
  await expect(section).toContainText('driver 460.73.01');
  await expect(section).toContainText('CUDA 11.2');
  for (const [i, gpu] of CAPTURE.entries()) {
    const c = card(page, gpu.index);
    await expect(c).toContainText(`#${gpu.index}`);
    await expect(c).toContainText(NAME);
    await expect(c).toContainText(SHOWN[i]!.memory);
    await expect(c).toContainText(`${gpu.util} %`);
    await expect(c).toContainText(`${gpu.temp} °C`);
    await expect(c).toContainText('87 °C slowdown');
    await expect(c).toContainText(SHOWN[i]!.power);
    await expect(c.getByRole('progressbar', { name: /^Utilization/ })).toHaveAttribute('aria-valuenow', String(gpu.util));
    await expect(c.getByRole('progressbar', { name: /^Memory used/ })).toHaveAttribute('aria-valuenow', String(Math.round((gpu.usedMiB / TOTAL_MIB) * 1000) / 10));
  }

  const h = await health();
  expect(h.gpuHosts).toEqual([expect.objectContaining({ host: 'local', state: 'ok' })]);
  expect(h.gpus).toEqual(CAPTURE.map((g) => expect.objectContaining({
    index: g.index,
    name: NAME,
    uuid: g.uuid,
    memoryUsedMiB: g.usedMiB,
    memoryTotalMiB: TOTAL_MIB,
    utilizationGpuPercent: g.util,
    temperatureC: g.temp,
    powerDrawW: g.power,
    powerLimitW: LIMIT_W,
  })));

  // Live: a new reading reaches the open window without a reload.
  fake.rewriteCapture((xml) => xml.replace('<gpu_util>23 %</gpu_util>', '<gpu_util>64 %</gpu_util>'));
  try {
    await expect(card(page, 3)).toContainText('64 %');
    expect((await health()).gpus.find((g) => g.index === 3)?.utilizationGpuPercent).toBe(64);
  } finally {
    fake.rewriteCapture((xml) => xml.replace('<gpu_util>64 %</gpu_util>', '<gpu_util>23 %</gpu_util>'));
  }
  await expect(card(page, 3)).toContainText('23 %');
});

test('when nvidia-smi starts failing the window says so once, however many polls fail, and recovers when it answers', async ({ page }) => {
  await openWindow(page, stack.url);
  await expectHealthyWindow(page);
  await watchGpuNotices(page);

  const before = fake.calls();
  fake.setMode('fail');
  const banner = gpuSection(page).getByRole('alert');
  await expect(banner).toContainText('nvidia-smi is failing');
  await expect(banner).toContainText('exited with code 9');
  await expect(banner).toContainText("couldn't communicate with the NVIDIA driver");
  const alert = page.locator('[data-alert-key="gpu:local:nvidia-smi"]');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('GPU telemetry on local has stopped');
  const failingHealth = await health();
  expect(failingHealth.gpuHosts[0]).toMatchObject({ host: 'local', state: 'failing' });
  expect(failingHealth.gpus).toEqual([]);

  // Several more failed polls (retried with backoff): still one alert, one banner.
  await expect.poll(() => fake.calls() - before, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
  await expect(alert).toHaveCount(1);
  await expect(banner).toHaveCount(1);

  // A different failure (output that is not XML) is news for the banner, not a second alert.
  fake.setMode('garbage');
  await expect(banner).toContainText('could not be read', { timeout: 20_000 });
  await expect(alert).toHaveCount(1);

  fake.setMode('ok');
  await expectHealthyWindow(page, 30_000);
  expect((await health()).gpuHosts[0]).toMatchObject({ state: 'ok' });

  const n = await gpuNotices(page);
  expect(n.alertsShown).toBe(1);
  expect(n.alertsMaxAtOnce).toBe(1);
  expect(n.bannersShown).toBe(1);
  expect(n.bannersMaxAtOnce).toBe(1);
  expect(n.noGpuShown).toBe(0);
});

test('when nvidia-smi hangs the window says so once, and recovers when it answers again', async ({ page }) => {
  // serve kills a call after 20 s (the poller's default timeout; serve has no option to shorten it). One hung call
  // is enough to see it: once a call is hanging, the next ones answer again.
  test.setTimeout(90_000);
  await openWindow(page, stack.url);
  await expectHealthyWindow(page);
  await watchGpuNotices(page);

  fake.setMode('hang');
  await expect.poll(() => fake.hangingCalls().length, { timeout: 10_000 }).toBe(1);
  fake.setMode('ok');
  const hungSince = Date.now();

  await expect.poll(async () => (await gpuNotices(page)).bannerTexts.join('\n'), { timeout: 35_000 }).toMatch(/did not answer within 20 s and was stopped/);
  expect(Date.now() - hungSince).toBeGreaterThan(10_000); // it was the hang, not something quicker
  await expectHealthyWindow(page);
  expect(fake.hangingCalls()).toEqual([]);

  const n = await gpuNotices(page);
  expect(n.alertsShown).toBe(1);
  expect(n.alertsMaxAtOnce).toBe(1);
  expect(n.alertTexts.join('\n')).toMatch(/GPU telemetry on local has stopped: .*did not answer within 20 s/);
  expect(n.bannersShown).toBe(1);
  expect(n.bannersMaxAtOnce).toBe(1);
});

test('when nvidia-smi disappears from the PATH the window says "No NVIDIA GPU found" once, and shows the GPUs again when it is back', async ({ page }) => {
  // No nvidia-smi is a state that serve looks at again only every 60 s (not settable from serve): bounded at 100 s.
  test.setTimeout(110_000);
  await openWindow(page, stack.url);
  await expectHealthyWindow(page);
  await watchGpuNotices(page);

  fake.disappear();
  try {
    const note = gpuSection(page).getByRole('status').filter({ hasText: 'No NVIDIA GPU found' });
    await expect(note).toHaveCount(1);
    await expect(note).toContainText('nvidia-smi not on PATH');
    await expect(gpuSection(page).getByRole('article')).toHaveCount(0);
    // A state, not an error: no failing banner and no alert.
    await expect(gpuSection(page).getByRole('alert')).toHaveCount(0);
    await expect(page.locator('[data-alert-key="gpu:local:nvidia-smi"]')).toHaveCount(0);
    expect((await health()).gpuHosts[0]).toMatchObject({ state: 'no-gpu' });
    // A few poll intervals later it is still the one note.
    await page.waitForTimeout(2000);
    await expect(note).toHaveCount(1);
  } finally {
    fake.comeBack();
  }
  await expectHealthyWindow(page, 75_000);

  const n = await gpuNotices(page);
  expect(n.noGpuShown).toBe(1);
  expect(n.noGpuMaxAtOnce).toBe(1);
  expect(n.alertsShown).toBe(0);
  expect(n.bannersShown).toBe(0);
});
