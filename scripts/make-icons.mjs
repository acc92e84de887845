// Draws Ferry's app icons (a white ferry on the sea-blue theme colour) into web/public/ as real PNGs.
// Run once after changing the drawing: `node scripts/make-icons.mjs`. The committed PNGs are what
// ships; this script only needs node:zlib (no image library).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'public', 'icons');
/** Theme colour of the manifest (vite.config.ts): keep the two in step. */
const SEA = [11, 92, 173];
const WHITE = [255, 255, 255];
/** Samples per pixel side: 4x4 supersampling gives smooth edges. */
const SS = 4;

/** True when (x, y) is inside the convex polygon `pts` (clockwise or not). */
function inPolygon(x, y, pts) {
  let sign = 0;
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[(i + 1) % pts.length];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

const inRect = (x, y, x0, y0, x1, y1) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** The ferry glyph in a unit box: hull, cabin with windows, funnel, and a wave below. */
function inGlyph(x, y) {
  const hull = inPolygon(x, y, [
    [0.1, 0.5],
    [0.9, 0.5],
    [0.75, 0.68],
    [0.25, 0.68],
  ]);
  const windows = [0.33, 0.445, 0.56].some((wx) => inRect(x, y, wx, 0.385, wx + 0.075, 0.455));
  const cabin = inRect(x, y, 0.28, 0.33, 0.68, 0.5) && !windows;
  const funnel = inRect(x, y, 0.5, 0.2, 0.61, 0.33);
  const waveTop = 0.76 + 0.025 * Math.sin(x * Math.PI * 6);
  const wave = x >= 0.08 && x <= 0.92 && y >= waveTop && y <= waveTop + 0.055;
  return hull || cabin || funnel || wave;
}

/** True when (x, y) in a unit box is inside a square with rounded corners of radius r. */
function inRoundedSquare(x, y, r) {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/**
 * Renders one icon. `maskable`: full-bleed background with the glyph inside the safe zone (the
 * central circle of radius 40%, https://w3c.github.io/manifest/#icon-masks); otherwise a rounded
 * square with transparent corners and a larger glyph.
 */
function render(size, maskable) {
  const glyphScale = maskable ? 0.66 : 0.74;
  const glyphOffset = (1 - glyphScale) / 2;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) / size;
          const y = (py + (sy + 0.5) / SS) / size;
          if (!maskable && !inRoundedSquare(x, y, 0.22)) continue;
          bg++;
          if (inGlyph((x - glyphOffset) / glyphScale, (y - glyphOffset) / glyphScale)) fg++;
        }
      }
      const n = SS * SS;
      const i = (py * size + px) * 4;
      // Colour of the covered part (white over sea), alpha from how much of the pixel is covered.
      const t = bg ? fg / bg : 0;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(SEA[c] * (1 - t) + WHITE[c] * t);
      rgba[i + 3] = Math.round((255 * bg) / n);
    }
  }
  return encodePng(size, size, rgba);
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

/** Encodes 8-bit RGBA pixels as a PNG (https://www.w3.org/TR/png-3/): no filter, one IDAT. */
function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-192.png', size: 192, maskable: true },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  // The tab's icon (index.html): the browser decodes it on the page's thread as the page starts,
  // so it is the size a tab shows, not 192 px.
  { file: 'icon-32.png', size: 32, maskable: false },
  // iOS ignores manifest icons and masks this one itself: opaque, full bleed.
  { file: 'apple-touch-icon-180.png', size: 180, maskable: true },
];

mkdirSync(OUT, { recursive: true });
for (const { file, size, maskable } of ICONS) {
  writeFileSync(join(OUT, file), render(size, maskable));
  console.log(`wrote web/public/icons/${file} (${size}x${size}${maskable ? ', maskable' : ''})`);
}
