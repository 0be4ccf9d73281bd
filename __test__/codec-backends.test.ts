/**
 * The two zstd backends of the Codec (zstd-napi and the native addon's)
 * write the same values and read each other's, with the same guard and the
 * same errors. Both run in this one process, whatever TIERCACHE_IMPL says.
 */
import test from 'ava';
import * as zstd from 'zstd-napi/binding';
import { Codec, dictionaryId, type CodecOptions } from '../ts/codec/index.js';
import { ZSTD_MAX_LEVEL, ZSTD_MIN_LEVEL } from '../ts/codec/options.js';
import { compressBound, declaredContentSize } from '../ts/codec/native-frames.js';
import { TierCacheError } from '../ts/common/errors.js';
import { fixtureDictionary } from './helpers/dictionary.js';
import { jsonPayload, jsonValues, randomBytes } from './helpers/payloads.js';

type Backend = 'zstd-napi' | 'native';
const OTHER: Record<Backend, Backend> = { 'zstd-napi': 'native', native: 'zstd-napi' };

function codecs(options: CodecOptions): Record<Backend, Codec> {
  return {
    'zstd-napi': new Codec({ metrics: false, ...options, zstd: 'zstd-napi' } as CodecOptions),
    native: new Codec({ metrics: false, ...options, zstd: 'native' } as CodecOptions),
  };
}

const SETTINGS: Array<[string, () => CodecOptions]> = [
  ['no dictionary, checksum', () => ({ checksum: true })],
  ['no dictionary, no checksum', () => ({ checksum: false })],
  ['trained dictionary, checksum', () => ({ dictionary: fixtureDictionary(), checksum: true })],
  ['raw-content dictionary, no checksum', () => ({ dictionary: Buffer.from(jsonValues(40, 300, 6).join('')), checksum: false })],
  ['level 19', () => ({ level: 19 })],
  ['fast level -5', () => ({ level: -5 })],
];

for (const [name, options] of SETTINGS) {
  test(`values written by either backend are read by the other (${name})`, (t) => {
    const pair = codecs(options());
    t.is(pair['zstd-napi'].zstd, 'zstd-napi');
    t.is(pair.native.zstd, 'native');
    t.is(pair['zstd-napi'].dictionaryId, pair.native.dictionaryId);
    const inputs = [Buffer.alloc(0), Buffer.from('tiny'), ...jsonValues(3, 1500, 2), jsonPayload(70_000, 3), jsonPayload(1_200_000, 4), randomBytes(5000, 5)];
    for (const backend of ['zstd-napi', 'native'] as const) {
      for (const input of inputs) {
        const encoded = pair[backend].encode(input);
        t.true(pair[OTHER[backend]].decode(encoded).equals(input), `${backend} wrote ${input.length} bytes`);
        t.true(pair[backend].decode(encoded).equals(input));
      }
    }
  });
}

test('both backends write byte-identical values (the same libzstd, the same parameters)', (t) => {
  for (const [, options] of SETTINGS) {
    const pair = codecs(options());
    for (const input of [...jsonValues(2, 2048, 8), jsonPayload(200_000, 9)]) {
      t.true(pair['zstd-napi'].encode(input).equals(pair.native.encode(input)));
    }
  }
});

test('a frame without a content size, as other zstd producers write it, decodes on both backends', (t) => {
  const input = jsonPayload(300 * 1024, 4);
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
  const dst = Buffer.alloc(zstd.compressBound(input.length));
  const [, produced] = cctx.compressStream2(dst, input, zstd.EndDirective.end);
  const value = Buffer.concat([Buffer.from([0xf7, 0x21]), dst.subarray(0, produced)]);
  const pair = codecs({ maxDecompressedBytes: input.length });
  for (const codec of Object.values(pair)) t.true(codec.decode(value).equals(input));
  const tight = codecs({ maxDecompressedBytes: input.length - 1 });
  const errors = Object.values(tight).map((codec) => t.throws(() => codec.decode(value), { instanceOf: TierCacheError }));
  t.deepEqual({ code: errors[1]!.code, message: errors[1]!.message }, { code: errors[0]!.code, message: errors[0]!.message });
  t.is(errors[0]!.code, 'ERR_CODEC_TOO_LARGE');
});

test('the guard fails the same way on both backends, with the same code and message', (t) => {
  const writer = new Codec({ metrics: false, zstd: 'zstd-napi', dictionary: fixtureDictionary() } as CodecOptions);
  const good = writer.encode(jsonPayload(50_000, 7));
  const flipped = Buffer.from(good);
  flipped[flipped.length - 2] ^= 0xff; // inside the checksum
  const frameOf4GiB = Buffer.concat([
    Buffer.from([0xf7, 0x21, 0x28, 0xb5, 0x2f, 0xfd, 0xe0]),
    Buffer.from(new BigUint64Array([BigInt(4 * 1024 ** 3)]).buffer),
    Buffer.from([0x19, 0, 0, 1, 2, 3]),
  ]);
  const cases: Array<[string, Buffer, CodecOptions]> = [
    ['truncated', good.subarray(0, good.length - 7), { dictionary: fixtureDictionary() }],
    ['truncated header', good.subarray(0, 9), { dictionary: fixtureDictionary() }],
    ['trailing bytes', Buffer.concat([good, Buffer.from([1, 2])]), { dictionary: fixtureDictionary() }],
    ['checksum mismatch', flipped, { dictionary: fixtureDictionary() }],
    ['declared size over the limit', good, { dictionary: fixtureDictionary(), maxDecompressedBytes: 49_999 }],
    ['4 GiB declared', frameOf4GiB, {}],
    ['missing dictionary', good, {}],
  ];
  for (const [name, bytes, options] of cases) {
    const pair = codecs(options);
    const [a, b] = (['zstd-napi', 'native'] as const).map((backend) => {
      const err = t.throws(() => pair[backend].decode(bytes), { instanceOf: TierCacheError }, `${name} on ${backend}`);
      return { code: err?.code, message: err?.message };
    });
    t.deepEqual(b, a, name);
  }
});

test('offload workers run on the codec backend and interoperate', async (t) => {
  const offloaded = new Codec({ metrics: false, zstd: 'native', offload: { minBytes: 0, threads: 1 } } as CodecOptions);
  t.teardown(() => offloaded.close());
  const inline = new Codec({ metrics: false, zstd: 'zstd-napi', offload: false } as CodecOptions);
  const input = jsonPayload(256 * 1024, 11);
  const encoded = await offloaded.encodeAsync(input);
  t.is(offloaded.stats().offloaded, 1);
  t.true(encoded.equals(inline.encode(input)));
  t.true((await offloaded.decodeAsync(inline.encode(input))).equals(input));
  t.is(offloaded.stats().offloaded, 2);
});

test('zstd-napi is chosen when it loads', (t) => {
  t.is(new Codec({ metrics: false }).zstd, 'zstd-napi');
});

test('an unknown backend is refused by name', (t) => {
  t.throws(() => new Codec({ zstd: 'wasm' } as never), { instanceOf: TypeError, message: `options.zstd must be one of 'zstd-napi', 'native', got "wasm"` });
});

test("the native backend's compress bound and the level range are zstd's", (t) => {
  for (const n of [0, 1, 100, 2047, 2048, 131_071, 131_072, 131_073, 1_000_000, 64 * 1024 * 1024]) t.is(compressBound(n), zstd.compressBound(n), `n=${n}`);
  t.is(ZSTD_MIN_LEVEL, zstd.minCLevel());
  t.is(ZSTD_MAX_LEVEL, zstd.maxCLevel());
});

test("dictionaryId reads a trained dictionary's id as zstd does, without loading zstd", (t) => {
  const trained = fixtureDictionary();
  t.is(dictionaryId(trained), zstd.getDictIDFromDict(trained));
  const raw = Buffer.from('raw content used as shared history');
  t.is(zstd.getDictIDFromDict(raw), 0);
  t.not(dictionaryId(raw), 0);
});

test("the native backend reads a frame's declared size as zstd does, for every field width", (t) => {
  const cctx = new zstd.CCtx();
  const frames: Buffer[] = [];
  // Single-segment 1-byte sizes, 2-byte (+256) sizes, 4-byte sizes, and frames with a window byte.
  for (const size of [0, 1, 255, 256, 257, 65_791, 65_792, 70_000, 300_000, 9 * 1024 * 1024]) {
    const input = jsonPayload(size, size + 1).subarray(0, size);
    const dst = Buffer.alloc(zstd.compressBound(size));
    frames.push(dst.subarray(0, zstd.compress(dst, input, 3)));
    const streamed = Buffer.alloc(zstd.compressBound(size) + 64);
    cctx.reset(zstd.ResetDirective.sessionAndParameters);
    cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
    const [, produced] = cctx.compressStream2(streamed, input, zstd.EndDirective.end);
    frames.push(streamed.subarray(0, produced));
  }
  const withDictId = Buffer.alloc(4096);
  const dictCctx = new zstd.CCtx();
  dictCctx.loadDictionary(fixtureDictionary());
  frames.push(withDictId.subarray(0, dictCctx.compress2(withDictId, jsonValues(1, 1024, 3)[0])));
  for (const frame of frames) t.is(declaredContentSize(frame), zstd.getFrameContentSize(frame), `frame of ${frame.length} bytes`);
  for (let seed = 1; seed < 300; seed++) {
    const bytes = randomBytes(seed % 20, seed);
    let expected: number | null | undefined = undefined;
    try {
      expected = zstd.getFrameContentSize(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), bytes]));
    } catch {
      expected = undefined;
    }
    const actual = declaredContentSize(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), bytes]));
    // Where zstd reads a size, the JS reader reads the same one. (It accepts some headers zstd rejects,
    // e.g. a window over zstd's maximum: it only sizes the output, the addon then refuses the frame.)
    if (expected !== undefined) t.is(actual, expected, `seed ${seed}`);
  }
});
