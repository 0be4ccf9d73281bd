import anyTest from 'ava';
import * as zstd from 'zstd-napi/binding';
import { ErrorCode, TierCacheError } from '../ts/common/errors.js';
import { ZstdNapiFrames } from '../ts/codec/zstd-napi-frames.js';
import { Codec, test } from './helpers/codec-backends.js';
import { fixtureDictionary } from './helpers/dictionary.js';
import { jsonPayload, jsonValues, randomBytes } from './helpers/payloads.js';

const noMetrics = { metrics: false } as const;
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function isCode(code: string) {
  return { instanceOf: TierCacheError, code } as const;
}

/** The envelope header of a zstd value without dictionary. */
const ZSTD_HEADER = [0xf7, 0x21];

/**
 * A zstd frame whose header declares `size` bytes of content, followed by one
 * small raw block: what an attacker (or a corrupt store) can hand to decode.
 */
function frameDeclaring(size: number): Buffer {
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(BigInt(size));
  // Descriptor 0xE0: 8-byte content size field, single segment (no window byte).
  const lastRawBlock = [0x19, 0x00, 0x00]; // last block, raw, 3 bytes
  return Buffer.from([...ZSTD_HEADER, ...ZSTD_MAGIC, 0xe0, ...fcs, ...lastRawBlock, 1, 2, 3]);
}

/**
 * A frame without a declared content size made of `blocks` RLE blocks of
 * 128 KiB each: 4 bytes per block on the wire, `blocks` x 128 KiB decoded.
 */
function rleBomb(blocks: number): Buffer {
  const header = [...ZSTD_HEADER, ...ZSTD_MAGIC, 0x00, 0x58]; // no FCS, not single segment; window 2^(10+11) = 2 MiB
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const blockHeader = last | (1 << 1) | (128 * 1024) << 3; // RLE block, size = 128 KiB
    body[i * 4] = blockHeader & 0xff;
    body[i * 4 + 1] = (blockHeader >>> 8) & 0xff;
    body[i * 4 + 2] = (blockHeader >>> 16) & 0xff;
    body[i * 4 + 3] = 0x41; // the repeated byte
  }
  return Buffer.concat([Buffer.from(header), body]);
}

test('a header claiming 4 GiB is rejected before anything is allocated', (t) => {
  const codec = new Codec(noMetrics);
  const bomb = frameDeclaring(4 * 1024 ** 3);
  const before = process.memoryUsage();
  const err = t.throws(() => codec.decode(bomb), isCode(ErrorCode.CODEC_TOO_LARGE));
  t.regex(err!.message, /4294967296 bytes, more than maxDecompressedBytes/);
  const after = process.memoryUsage();
  // Nothing near 4 GiB (or even the 64 MiB limit) was allocated.
  t.true(after.arrayBuffers - before.arrayBuffers < 32 * 1024 * 1024, `arrayBuffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
  t.true(after.rss - before.rss < 256 * 1024 * 1024, `rss grew by ${after.rss - before.rss}`);
});

test('a declared size just above maxDecompressedBytes is rejected, one at the limit is attempted', (t) => {
  const codec = new Codec({ ...noMetrics, maxDecompressedBytes: 1000 });
  t.throws(() => codec.decode(frameDeclaring(1001)), isCode(ErrorCode.CODEC_TOO_LARGE));
  // At the limit the guard lets it through; the forged frame then fails as corrupt, not as too large.
  t.throws(() => codec.decode(frameDeclaring(1000)), isCode(ErrorCode.CODEC_CORRUPT));
});

test('a frame without a declared size that grows past the limit is stopped while streaming', (t) => {
  const codec = new Codec({ ...noMetrics, maxDecompressedBytes: 1024 * 1024 });
  // 32768 blocks of 128 KiB = 4 GiB, in 128 KiB on the wire.
  const bomb = rleBomb(32768);
  t.true(bomb.length < 200 * 1024);
  const before = process.memoryUsage();
  t.throws(() => codec.decode(bomb), isCode(ErrorCode.CODEC_TOO_LARGE));
  const after = process.memoryUsage();
  t.true(after.arrayBuffers - before.arrayBuffers < 64 * 1024 * 1024, `arrayBuffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
});

test('a frame without a declared size within the limit decodes by streaming', (t) => {
  const codec = new Codec({ ...noMetrics, maxDecompressedBytes: 1024 * 1024 });
  const out = codec.decode(rleBomb(4));
  t.is(out.length, 4 * 128 * 1024);
  t.true(out.every((b) => b === 0x41));
  // A real streamed frame (no content size), as another zstd producer would write it.
  const input = jsonPayload(300 * 1024, 4);
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
  const dst = Buffer.alloc(zstd.compressBound(input.length));
  const [, produced] = cctx.compressStream2(dst, input, zstd.EndDirective.end);
  const frame = dst.subarray(0, produced);
  t.is(zstd.getFrameContentSize(frame), null);
  t.true(codec.decode(Buffer.concat([Buffer.from(ZSTD_HEADER), frame])).equals(input));
});

/**
 * A frame without a content size whose header asks for a window of
 * 2^`windowLog` bytes, holding one small raw block: what another encoder
 * (zstd --long, a streaming producer) may write.
 */
function frameWithWindow(windowLog: number): Buffer {
  const windowDescriptor = (windowLog - 10) << 3; // exponent only, mantissa 0
  const lastRawBlock = [0x19, 0x00, 0x00]; // last block, raw, 3 bytes
  return Buffer.from([...ZSTD_HEADER, ...ZSTD_MAGIC, 0x00, windowDescriptor, ...lastRawBlock, 1, 2, 3]);
}

/** Input streamed through zstd-napi's streaming API, as a producer that does not know the size writes it (no content size). */
function streamedFrame(input: Buffer, windowLog?: number): Buffer {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
  if (windowLog !== undefined) cctx.setParameter(zstd.CParameter.windowLog, windowLog);
  const dst = Buffer.alloc(zstd.compressBound(input.length) + 1024);
  // Two calls (continue, then end): the size is never known up front, so the window stays as set.
  const [, produced, consumed] = cctx.compressStream2(dst, input, zstd.EndDirective.continue);
  let written = produced;
  let rest = input.subarray(consumed);
  for (;;) {
    const [remaining, more, used] = cctx.compressStream2(dst.subarray(written), rest, zstd.EndDirective.end);
    written += more;
    rest = rest.subarray(used);
    if (remaining === 0) return dst.subarray(0, written);
  }
}

test('a foreign frame whose window is over the 8 MiB decode limit is ERR_CODEC_TOO_LARGE; one at the limit decodes', (t) => {
  const codec = new Codec(noMetrics);
  for (const windowLog of [24, 27, 31]) {
    const err = t.throws(() => codec.decode(frameWithWindow(windowLog)), isCode(ErrorCode.CODEC_TOO_LARGE), `window 2^${windowLog}`);
    t.regex(err!.message, /window above 8 MiB/);
  }
  t.deepEqual([...codec.decode(frameWithWindow(23))], [1, 2, 3]);
  t.deepEqual([...codec.decode(frameWithWindow(10))], [1, 2, 3]);
});

test('a frame another zstd encoder wrote with a 128 MiB window is refused, the same data with a small window decodes', (t) => {
  const codec = new Codec(noMetrics);
  const input = jsonPayload(64 * 1024, 21);
  const wide = streamedFrame(input, 27);
  t.is(zstd.getFrameContentSize(wide), null, 'no content size: only the window bounds the decoder');
  t.is(wide[5] >> 3, 27 - 10, 'the frame header asks for a 2^27-byte window');
  t.throws(() => codec.decode(Buffer.concat([Buffer.from(ZSTD_HEADER), wide])), isCode(ErrorCode.CODEC_TOO_LARGE));
  const narrow = streamedFrame(input, 20);
  t.true(codec.decode(Buffer.concat([Buffer.from(ZSTD_HEADER), narrow])).equals(input));
});

test('a truncated frame without a content size is ERR_CODEC_CORRUPT at every cut point, never a hang', (t) => {
  const codec = new Codec(noMetrics);
  // Several blocks and more output than one streaming chunk (128 KiB).
  const input = Buffer.concat([jsonPayload(200 * 1024, 22), randomBytes(64 * 1024, 22)]);
  const value = Buffer.concat([Buffer.from(ZSTD_HEADER), streamedFrame(input)]);
  t.is(zstd.getFrameContentSize(value.subarray(2)), null);
  t.true(codec.decode(value).equals(input));
  for (let cut = 2; cut < value.length; cut += cut < 64 ? 1 : 97) {
    t.throws(() => codec.decode(value.subarray(0, cut)), isCode(ErrorCode.CODEC_CORRUPT), `cut at ${cut}`);
  }
});

anyTest('the zstd-napi streaming decoder stops on input that ends mid-frame instead of spinning (always progress or stop)', (t) => {
  // decode() refuses a truncated frame before streaming (findFrameCompressedSize);
  // this drives the streaming loop itself, which must not rely on that. The
  // addon's loop has the same test in Rust (crates/core/src/codec/tests.rs).
  const frames = new ZstdNapiFrames({ zstd: 'zstd-napi', level: 3, checksum: true, encodeDictionary: null, decodeDictionaries: [] });
  const stream = (frame: Buffer): Buffer => frames['decompressStreaming'](frame, undefined, 64 * 1024 * 1024);
  const input = Buffer.concat([jsonPayload(300 * 1024, 23), randomBytes(32 * 1024, 23)]);
  const frame = streamedFrame(input);
  t.true(stream(frame).equals(input));
  for (const cut of [4, 6, 7, 100, frame.length >> 1, frame.length - 4, frame.length - 1]) {
    t.throws(() => stream(frame.subarray(0, cut)), { ...isCode(ErrorCode.CODEC_CORRUPT), message: 'zstd frame is truncated' }, `cut at ${cut}`);
  }
});

test('truncated values are ERR_CODEC_CORRUPT at every cut point', (t) => {
  const codec = new Codec(noMetrics);
  const encoded = codec.encode(jsonPayload(8 * 1024, 6));
  for (let cut = 0; cut < encoded.length; cut++) {
    t.throws(() => codec.decode(encoded.subarray(0, cut)), isCode(ErrorCode.CODEC_CORRUPT), `cut at ${cut}`);
  }
});

test('corrupted bytes are ERR_CODEC_CORRUPT, never a crash or a wrong value', (t) => {
  const codec = new Codec(noMetrics);
  const input = jsonPayload(8 * 1024, 6);
  const encoded = codec.encode(input);
  for (let i = 2; i < encoded.length; i += 7) {
    const corrupt = Buffer.from(encoded);
    corrupt[i] ^= 0x5a;
    try {
      const out = codec.decode(corrupt);
      // With a content checksum, a decode that succeeds must be the original.
      t.true(out.equals(input), `byte ${i} flipped gave a different value`);
    } catch (err) {
      t.true(err instanceof TierCacheError, `byte ${i}: ${String(err)}`);
      t.true(
        [ErrorCode.CODEC_CORRUPT, ErrorCode.CODEC_TOO_LARGE].includes((err as TierCacheError).code as never),
        `byte ${i}: ${(err as TierCacheError).code}`,
      );
    }
  }
});

test('foreign bytes (plain text, gzip, a bare zstd frame, random) are ERR_CODEC_CORRUPT', (t) => {
  const codec = new Codec(noMetrics);
  const dst = Buffer.alloc(1024);
  const bareZstd = dst.subarray(0, zstd.compress(dst, Buffer.from('hello hello hello'), 3));
  const foreign = [
    Buffer.from('{"plain":"json"}'),
    Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]),
    bareZstd,
    randomBytes(100, 4),
    Buffer.alloc(0),
    Buffer.from([0xf7]),
  ];
  for (const bytes of foreign) t.throws(() => codec.decode(bytes), isCode(ErrorCode.CODEC_CORRUPT));
  t.throws(() => codec.decode(Buffer.from([0xf7])), { message: /^encoded value is truncated: 1 byte, shorter than the 2-byte header$/ });
  for (let seed = 1; seed < 200; seed++) {
    const bytes = randomBytes(1 + (seed % 64), seed);
    bytes[0] = 0xf7;
    bytes[1] = 0x21; // claims version 1 zstd
    // The payload holds no zstd magic: corrupt, whatever the random bytes.
    t.throws(() => codec.decode(bytes), isCode(ErrorCode.CODEC_CORRUPT), `seed ${seed}`);
  }
});

test('a zstd payload followed by trailing bytes is ERR_CODEC_CORRUPT', (t) => {
  const codec = new Codec(noMetrics);
  const encoded = codec.encode(jsonPayload(4096, 1));
  t.throws(() => codec.decode(Buffer.concat([encoded, Buffer.from([0])])), { ...isCode(ErrorCode.CODEC_CORRUPT), message: 'zstd frame is followed by 1 unexpected byte' });
  t.throws(() => codec.decode(Buffer.concat([encoded, Buffer.from([0, 0])])), { ...isCode(ErrorCode.CODEC_CORRUPT), message: 'zstd frame is followed by 2 unexpected bytes' });
});

test('a newer format version or algorithm is ERR_CODEC_UNSUPPORTED, reserved bits are corrupt', (t) => {
  const codec = new Codec(noMetrics);
  t.throws(() => codec.decode(Buffer.from([0xf7, 0x40, 1, 2, 3])), isCode(ErrorCode.CODEC_UNSUPPORTED));
  t.throws(() => codec.decode(Buffer.from([0xf7, 0x22, 1, 2, 3])), isCode(ErrorCode.CODEC_UNSUPPORTED));
  t.throws(() => codec.decode(Buffer.from([0xf7, 0x28, 1, 2, 3])), isCode(ErrorCode.CODEC_CORRUPT));
  t.throws(() => codec.decode(Buffer.from([0xf7, 0x24, 1, 2, 3, 4, 5])), isCode(ErrorCode.CODEC_CORRUPT));
});

test('a raw value larger than maxDecompressedBytes is rejected', (t) => {
  const writer = new Codec({ ...noMetrics, minBytes: 1_000_000 });
  const reader = new Codec({ ...noMetrics, maxDecompressedBytes: 1000 });
  const encoded = writer.encode(Buffer.alloc(1001));
  t.throws(() => reader.decode(encoded), isCode(ErrorCode.CODEC_TOO_LARGE));
});

test('decoding a dictionary value without the dictionary is ERR_CODEC_DICTIONARY naming the id', (t) => {
  const withDict = new Codec({ ...noMetrics, dictionary: fixtureDictionary() });
  const encoded = withDict.encode(jsonValues(1, 1024, 8)[0]);
  const without = new Codec(noMetrics);
  const err = t.throws(() => without.decode(encoded), isCode(ErrorCode.CODEC_DICTIONARY));
  t.regex(err!.message, new RegExp(`dictionary ${withDict.dictionaryId}.*no dictionary`));
});

test('decoding with a different dictionary is ERR_CODEC_DICTIONARY, never garbage', (t) => {
  const withDict = new Codec({ ...noMetrics, dictionary: fixtureDictionary() });
  const encoded = withDict.encode(jsonValues(1, 1024, 8)[0]);
  const other = new Codec({ ...noMetrics, dictionary: Buffer.from(jsonValues(20, 200, 99).join('')) });
  t.not(other.dictionaryId, withDict.dictionaryId);
  t.throws(() => other.decode(encoded), isCode(ErrorCode.CODEC_DICTIONARY));
});

test('decodeDictionaries keeps values written with a rotated-out dictionary readable', (t) => {
  const oldDict = fixtureDictionary();
  const newDict = Buffer.from(jsonValues(40, 512, 5).join(''));
  const before = new Codec({ ...noMetrics, dictionary: oldDict });
  const value = jsonValues(1, 1024, 12)[0];
  const written = before.encode(value);
  const after = new Codec({ ...noMetrics, dictionary: newDict, decodeDictionaries: [oldDict] });
  t.true(after.decode(written).equals(value));
  t.true(after.decode(after.encode(value)).equals(value));
  t.not(after.dictionaryId, before.dictionaryId);
});

test('a buffer that is no zstd dictionary is refused at construction', (t) => {
  const trained = Buffer.from(fixtureDictionary());
  trained[10] ^= 0xff; // corrupt the entropy tables after the magic and id
  t.throws(() => new Codec({ dictionary: trained, metrics: false }), isCode(ErrorCode.CODEC_DICTIONARY));
});
