import { Codec, test } from './helpers/codec-backends.js';
import { MAX_LEVEL } from '../ts/codec/options.js';
import { fixtureDictionary } from './helpers/dictionary.js';
import { jsonPayload, jsonValues, randomBytes } from './helpers/payloads.js';

const noMetrics = { metrics: false } as const;

/** Byte 1 of the envelope: version (bits 7-5), dictionary flag (bit 2), algorithm (bits 1-0). */
function algorithmOf(encoded: Uint8Array): 'raw' | 'zstd' {
  return (encoded[1] & 0b11) === 0 ? 'raw' : 'zstd';
}

for (const size of [0, 1, 1024, 1024 * 1024]) {
  test(`round trip of ${size} bytes of JSON restores the exact bytes`, (t) => {
    const codec = new Codec(noMetrics);
    const input = jsonPayload(size).subarray(0, size);
    t.is(input.length, size);
    const encoded = codec.encode(input);
    t.true(codec.decode(encoded).equals(input));
  });

  test(`round trip of ${size} random bytes restores the exact bytes`, (t) => {
    const codec = new Codec({ ...noMetrics, minBytes: 0 });
    const input = randomBytes(size, size + 1);
    const encoded = codec.encode(input);
    t.true(codec.decode(encoded).equals(input));
  });

  test(`round trip of ${size} bytes with a dictionary restores the exact bytes`, (t) => {
    const codec = new Codec({ ...noMetrics, dictionary: fixtureDictionary() });
    const input = jsonPayload(size, 5).subarray(0, size);
    t.true(codec.decode(codec.encode(input)).equals(input));
  });
}

test('strings are encoded as UTF-8 and decode to the same bytes', (t) => {
  const codec = new Codec(noMetrics);
  const text = `${'grüße 🌍 '.repeat(300)}`;
  t.is(codec.decode(codec.encode(text)).toString('utf8'), text);
});

test('values under minBytes are stored raw with a 2-byte header', (t) => {
  const codec = new Codec({ ...noMetrics, minBytes: 1024 });
  const small = Buffer.from('x'.repeat(1023));
  const encoded = codec.encode(small);
  t.is(algorithmOf(encoded), 'raw');
  t.is(encoded.length, small.length + 2);
  t.is(encoded[0], 0xf7);
  t.is(codec.stats().rawSmall, 1);
  const large = Buffer.from('x'.repeat(1024));
  t.is(algorithmOf(codec.encode(large)), 'zstd');
  t.is(codec.stats().compressed, 1);
});

test('incompressible values are stored raw and counted', (t) => {
  const codec = new Codec(noMetrics);
  const encoded = codec.encode(randomBytes(64 * 1024, 3));
  t.is(algorithmOf(encoded), 'raw');
  t.is(encoded.length, 64 * 1024 + 2);
  t.deepEqual([codec.stats().rawIncompressible, codec.stats().compressed], [1, 0]);
});

test('minSavings decides when compression saves too little', (t) => {
  // Half random, half repeated: compresses to a bit over half its size.
  const input = Buffer.concat([randomBytes(8192, 9), Buffer.alloc(8192, 'a')]);
  const lenient = new Codec({ ...noMetrics, minSavings: 0.1 });
  t.is(algorithmOf(lenient.encode(input)), 'zstd');
  const strict = new Codec({ ...noMetrics, minSavings: 0.6 });
  t.is(algorithmOf(strict.encode(input)), 'raw');
  t.is(strict.stats().rawIncompressible, 1);
});

test('JSON compresses to well under half its size at the default level', (t) => {
  const codec = new Codec(noMetrics);
  const input = jsonPayload(64 * 1024);
  const encoded = codec.encode(input);
  t.true(encoded.length < input.length / 2, `${encoded.length} of ${input.length}`);
});

test('a dictionary makes small JSON values smaller than plain zstd does', (t) => {
  const plain = new Codec({ ...noMetrics, minBytes: 0 });
  const withDict = new Codec({ ...noMetrics, minBytes: 0, dictionary: fixtureDictionary() });
  let plainBytes = 0;
  let dictBytes = 0;
  for (const value of jsonValues(100, 1024, 77)) {
    plainBytes += plain.encode(value).length;
    const encoded = withDict.encode(value);
    dictBytes += encoded.length;
    t.true(withDict.decode(encoded).equals(value));
  }
  t.true(dictBytes < plainBytes, `dictionary ${dictBytes} vs plain ${plainBytes}`);
});

test('the dictionary id travels in the header', (t) => {
  const codec = new Codec({ ...noMetrics, dictionary: fixtureDictionary() });
  t.not(codec.dictionaryId, 0);
  const encoded = codec.encode(jsonValues(1, 1024, 3)[0]);
  t.is(encoded[1] & 0b100, 0b100);
  t.is(encoded.readUInt32LE(2), codec.dictionaryId);
});

test('levels above 19 are clamped to the HTTP profile maximum', (t) => {
  for (const level of [20, 21, 22]) {
    const codec = new Codec({ ...noMetrics, level });
    t.is(codec.level, MAX_LEVEL);
    t.is(codec.requestedLevel, level);
  }
  t.is(new Codec({ ...noMetrics, level: 19 }).level, 19);
  t.is(new Codec({ ...noMetrics, level: 1 }).level, 1);
  t.is(new Codec({ ...noMetrics, level: 0 }).level, 3);
  t.is(new Codec({ ...noMetrics, level: -5 }).level, -5);
});

test('frames written at the highest level stay within an 8 MiB window', (t) => {
  const codec = new Codec({ ...noMetrics, level: 22 });
  // 9 MiB of a repeated 64 KiB JSON chunk: larger than the window, quick to compress even at level 19.
  const chunk = jsonPayload(64 * 1024, 2);
  const input = Buffer.alloc(9 * 1024 * 1024);
  for (let offset = 0; offset < input.length; offset += chunk.length) chunk.copy(input, offset);
  const encoded = codec.encode(input);
  const frame = encoded.subarray(2);
  // Frame header descriptor: single-segment frames have no window byte and a window of the content size.
  const descriptor = frame[4];
  const singleSegment = (descriptor & 0x20) !== 0;
  t.false(singleSegment, 'a 9 MiB value is not single-segment');
  const windowByte = frame[5];
  const exponent = windowByte >>> 3;
  const mantissa = windowByte & 7;
  const base = 2 ** (10 + exponent);
  const windowSize = base + (base / 8) * mantissa;
  t.true(windowSize <= 8 * 1024 * 1024, `window ${windowSize}`);
  t.true(codec.decode(encoded).equals(input));
});

test('invalid options throw TypeError/RangeError naming the option', (t) => {
  t.throws(() => new Codec({ level: 23 }), { instanceOf: RangeError, message: /options\.level must be between/ });
  t.throws(() => new Codec({ level: 2.5 }), { instanceOf: RangeError, message: /options\.level/ });
  t.throws(() => new Codec({ minBytes: -1 }), { instanceOf: RangeError, message: /options\.minBytes/ });
  t.throws(() => new Codec({ minSavings: 1 }), { instanceOf: RangeError, message: /options\.minSavings/ });
  t.throws(() => new Codec({ maxDecompressedBytes: 0 }), { instanceOf: RangeError, message: /options\.maxDecompressedBytes/ });
  t.throws(() => new Codec({ dictionary: 'abc' as never }), { instanceOf: TypeError, message: /options\.dictionary/ });
  t.throws(() => new Codec({ offload: { threads: 0 } }), { instanceOf: RangeError, message: /options\.offload\.threads/ });
  t.throws(() => new Codec({ offload: { minByte: 1 } as never }), { instanceOf: TypeError, message: /options\.offload\.minByte is not a known option/ });
  t.throws(() => new Codec({ levle: 3 } as never), { instanceOf: TypeError, message: /options\.levle is not a known option/ });
  t.throws(() => new Codec({ metrics: {} as never }), { instanceOf: TypeError, message: /options\.metrics/ });
  t.throws(() => new Codec({ name: '' }), { instanceOf: TypeError, message: /options\.name/ });
});

test('encode and decode reject values of the wrong type by argument name', (t) => {
  const codec = new Codec(noMetrics);
  t.throws(() => codec.encode(42 as never), { instanceOf: TypeError, message: /value must be a Buffer, Uint8Array or string, got 42/ });
  t.throws(() => codec.decode('abc' as never), { instanceOf: TypeError, message: /bytes must be a Buffer or Uint8Array/ });
});

test('encode refuses a value it could not decode again (larger than maxDecompressedBytes)', (t) => {
  const codec = new Codec({ ...noMetrics, maxDecompressedBytes: 1000 });
  t.throws(() => codec.encode(Buffer.alloc(1001)), { instanceOf: RangeError, message: /maxDecompressedBytes/ });
  t.notThrows(() => codec.encode(Buffer.alloc(1000)));
});

test('decoding does not alias the encoded input', (t) => {
  const codec = new Codec(noMetrics);
  const encoded = codec.encode(Buffer.from('short value'));
  const decoded = codec.decode(encoded);
  encoded[5] = 0;
  t.is(decoded.toString(), 'short value');
});
