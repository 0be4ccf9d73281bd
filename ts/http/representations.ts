/**
 * Compress once, serve many: the stored representation is zstd (a Codec
 * envelope, whose frame is sent as-is for `Content-Encoding: zstd`); br,
 * gzip and identity are produced from it at most once per stored response
 * (node:zlib on the libuv pool, zstd decode inline) and cached beside it.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Codec } from '../codec/codec.js';
import { ALGORITHM_ZSTD, readHeader, type Header } from '../codec/format.js';
import type { Coding } from './accept-encoding.js';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Settings of the codings httpCache produces. */
export interface CompressionSettings {
  /** Bodies shorter than this are stored and served as identity. */
  minBytes: number;
  /** Brotli quality (0-11) of the br representation. */
  brotliQuality: number;
  /** gzip level (1-9) of the gzip representation. */
  gzipLevel: number;
  /** Content types (lowercase, without parameters) that are already compressed; `type/*` matches a whole type. */
  skipTypes: ReadonlySet<string>;
}

/** Media that gain nothing from another compression pass. */
export const DEFAULT_SKIP_TYPES: readonly string[] = [
  'image/*',
  'video/*',
  'audio/*',
  'font/woff',
  'font/woff2',
  'application/zip',
  'application/gzip',
  'application/x-gzip',
  'application/zstd',
  'application/x-bzip2',
  'application/x-xz',
  'application/x-7z-compressed',
  'application/x-rar-compressed',
  'application/pdf',
  'application/octet-stream',
  'application/wasm',
];

/** Whether a body of this content type and length is worth compressing. */
export function compressible(contentType: string | undefined, length: number, settings: CompressionSettings): boolean {
  if (length < settings.minBytes) return false;
  if (contentType === undefined) return true;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (settings.skipTypes.has(type)) return false;
  const slash = type.indexOf('/');
  return !(slash > 0 && settings.skipTypes.has(type.slice(0, slash) + '/*'));
}

/** The stored form of `identity`: a zstd envelope when it compresses, else the identity bytes. */
export async function storedForm(codec: Codec, identity: Buffer, worthIt: boolean): Promise<{ coding: 'zstd' | 'identity'; body: Buffer }> {
  if (!worthIt) return { coding: 'identity', body: identity };
  const envelope = await codec.encodeAsync(identity);
  const header = readHeader(envelope, scratch);
  // The codec keeps values raw when compression saves too little.
  if (header.algorithm !== ALGORITHM_ZSTD) return { coding: 'identity', body: identity };
  return { coding: 'zstd', body: envelope };
}

const scratch: Header = { algorithm: 0, dictionaryId: 0, payloadOffset: 0 };

/** The zstd frame inside a stored envelope (what `Content-Encoding: zstd` sends). */
export function zstdFrame(envelope: Buffer): Buffer {
  return envelope.subarray(readHeader(envelope, scratch).payloadOffset);
}

/** Produces `coding` from the identity bytes. */
export async function encodeAs(coding: Coding, identity: Buffer, settings: CompressionSettings, text: boolean): Promise<Buffer> {
  switch (coding) {
    case 'br':
      return brotli(identity, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: settings.brotliQuality,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
          [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
        },
      });
    case 'gzip':
      return gzip(identity, { level: settings.gzipLevel });
    default:
      return identity;
  }
}
