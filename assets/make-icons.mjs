#!/usr/bin/env node
// Draws Batchdeck's icon (a deck of three cards, the front one showing JSONL lines) with Node alone and
// writes PNGs: assets/icon.png (1024 master) and assets/icons/<n>x<n>.png for electron-builder (Linux
// takes the folder; mac .icns and win .ico are made by electron-builder from the 1024 master).
// Each size is rendered from the shapes, not scaled down, so small sizes stay sharp.
//
// Usage: node assets/make-icons.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

// Shapes in a unit square, back to front. A rounded rect: centre, half size, corner radius.
const background = { cx: 0.5, cy: 0.5, hw: 0.44, hh: 0.44, r: 0.19, top: hex('#1e293b'), bottom: hex('#0b1220') };
const cards = [
  { cx: 0.58, cy: 0.40, hw: 0.25, hh: 0.17, r: 0.045, color: hex('#155e75') },
  { cx: 0.53, cy: 0.475, hw: 0.25, hh: 0.17, r: 0.045, color: hex('#0e9fbf') },
  { cx: 0.48, cy: 0.55, hw: 0.25, hh: 0.17, r: 0.045, color: hex('#67e8f9') },
];
// The front card's lines: x from, x to, y, half thickness.
const lines = [
  { x0: 0.29, x1: 0.64, y: 0.48, t: 0.022 },
  { x0: 0.29, x1: 0.57, y: 0.55, t: 0.022 },
  { x0: 0.29, x1: 0.50, y: 0.62, t: 0.022 },
].map((l) => ({ ...l, color: hex('#0b1220') }));
// A finished batch: the green dot where the last line would go on.
const doneDot = { cx: 0.615, cy: 0.62, r: 0.042, color: hex('#10b981') };

function roundedRectDistance(px, py, s) {
  const qx = Math.abs(px - s.cx) - s.hw + s.r;
  const qy = Math.abs(py - s.cy) - s.hh + s.r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - s.r;
}

function capsuleDistance(px, py, l) {
  const x = Math.min(Math.max(px, l.x0), l.x1);
  return Math.hypot(px - x, py - l.y) - l.t;
}

function render(size) {
  const px = new Float64Array(size * size * 4); // premultiplied RGBA, 0..1
  const over = (i, rgb, alpha) => {
    if (alpha <= 0) return;
    const k = 1 - alpha;
    px[i] = (rgb[0] / 255) * alpha + px[i] * k;
    px[i + 1] = (rgb[1] / 255) * alpha + px[i + 1] * k;
    px[i + 2] = (rgb[2] / 255) * alpha + px[i + 2] * k;
    px[i + 3] = alpha + px[i + 3] * k;
  };
  // Coverage from a signed distance in unit space: a one-pixel-wide antialiased edge.
  const cover = (d) => Math.min(Math.max(0.5 - d * size, 0), 1);
  const shadowCover = (d) => Math.min(Math.max(0.5 - (d * size) / Math.max(2, size * 0.02), 0), 1) * 0.35;

  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const i = (y * size + x) * 4;
      const t = Math.min(Math.max((v - 0.06) / 0.88, 0), 1);
      const bg = background.top.map((c, k) => c + (background.bottom[k] - c) * t);
      over(i, bg, cover(roundedRectDistance(u, v, background)));
      for (const card of cards) {
        // A soft shadow below each card separates the deck's layers at large sizes.
        if (size >= 64) over(i, [0, 0, 0], shadowCover(roundedRectDistance(u, v - 0.012, card)));
        over(i, card.color, cover(roundedRectDistance(u, v, card)));
      }
      if (size >= 24) for (const l of lines) over(i, l.color, cover(capsuleDistance(u, v, l)));
      if (size >= 32) over(i, doneDot.color, cover(Math.hypot(u - doneDot.cx, v - doneDot.cy) - doneDot.r));
    }
  }
  const out = Buffer.alloc(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const a = px[p * 4 + 3];
    for (let k = 0; k < 3; k++) out[p * 4 + k] = a > 0 ? Math.round(Math.min(px[p * 4 + k] / a, 1) * 255) : 0;
    out[p * 4 + 3] = Math.round(a * 255);
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); // filter 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

fs.mkdirSync(path.join(here, 'icons'), { recursive: true });
for (const size of SIZES) {
  const file = png(size, render(size));
  fs.writeFileSync(path.join(here, 'icons', `${size}x${size}.png`), file);
  if (size === 1024) fs.writeFileSync(path.join(here, 'icon.png'), file);
}
console.log(`icons: ${SIZES.join(', ')} px in ${path.relative(process.cwd(), path.join(here, 'icons'))}, master assets/icon.png`);
