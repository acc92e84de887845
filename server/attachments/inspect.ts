/**
 * What a finished upload is, read from its bytes only (never the client's claim or the file name):
 * the type (file-type), for the safe image types their displayed size (after EXIF orientation), a
 * thumbnail, and, unless metadata is kept, the image re-encoded without EXIF/XMP (GPS location
 * goes with it). The SHA-256 is of the bytes as stored.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { THUMBNAIL_MAX_PX } from '../../contract/limits.js';

/** Image types shown inline: formats browsers decode as pictures only (no script, unlike SVG). */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const UNKNOWN_TYPE = 'application/octet-stream';

export interface Inspected {
  /** The bytes to store (the upload, or the image without its metadata). */
  bytes: Buffer;
  sha256: string;
  type: string;
  inline: boolean;
  width: number | null;
  height: number | null;
  /** An image's thumbnail (WebP), or null. */
  thumbnail: Buffer | null;
}

export async function inspect(upload: Buffer, keepMetadata: boolean): Promise<Inspected> {
  const detected = await fileTypeFromBuffer(upload);
  const type = detected?.mime ?? UNKNOWN_TYPE;
  let bytes = upload;
  let inline = false;
  let width: number | null = null;
  let height: number | null = null;
  let thumbnail: Buffer | null = null;
  if (INLINE_TYPES.has(type)) {
    try {
      const image = await readImage(upload, type, keepMetadata);
      ({ bytes, width, height, thumbnail } = image);
      inline = true;
    } catch {
      // Claims to be an image but does not decode: served as a download, never inline.
      bytes = upload;
    }
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, sha256, type, inline, width, height, thumbnail };
}

async function readImage(
  upload: Buffer,
  type: string,
  keepMetadata: boolean,
): Promise<{ bytes: Buffer; width: number; height: number; thumbnail: Buffer }> {
  const animated = type === 'image/gif' || type === 'image/webp';
  const meta = await sharp(upload, { animated }).metadata();
  let bytes = upload;
  if (!keepMetadata && (meta.exif !== undefined || meta.xmp !== undefined || meta.iptc !== undefined)) {
    // Re-encoding writes no metadata (sharp's default); the orientation is applied to the pixels
    // first so the picture still shows the right way up without its EXIF.
    const format = type.slice('image/'.length) as 'png' | 'jpeg' | 'gif' | 'webp';
    bytes = await sharp(upload, { animated })
      .autoOrient()
      .keepIccProfile()
      .toFormat(format, format === 'jpeg' ? { quality: 92 } : {})
      .toBuffer();
  }
  // The first frame, as displayed (width and height swapped by a quarter-turn orientation).
  const { width, height } = (await sharp(bytes).metadata()).autoOrient;
  const thumbnail = await sharp(bytes)
    .autoOrient()
    .resize(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX, { fit: 'inside', withoutEnlargement: true })
    .webp()
    .toBuffer();
  return { bytes, width, height, thumbnail };
}
