import { ErrorCode, TierCacheError } from '../ts/common/errors.js';
import { dictionaryId, trainDictionary } from '../ts/codec/index.js';
import { Codec, test } from './helpers/codec-backends.js';
import { implementation } from '../ts/native/index.js';
import { fixtureDictionary, trainingSamples } from './helpers/dictionary.js';
import { jsonValues } from './helpers/payloads.js';

const noMetrics = { metrics: false } as const;

if (implementation === 'native') {
  test('trainDictionary builds a dictionary within maxBytes that declares its id', (t) => {
    const dictionary = trainDictionary(trainingSamples(), { maxBytes: 8 * 1024 });
    t.true(dictionary.length <= 8 * 1024);
    t.is(dictionary.readUInt32LE(0), 0xec30a437, 'zstd dictionary magic');
    const id = dictionary.readUInt32LE(4);
    t.not(id, 0);
    t.is(dictionaryId(dictionary), id);
    const codec = new Codec({ ...noMetrics, dictionary });
    t.is(codec.dictionaryId, id);
    const value = jsonValues(1, 1024, 404)[0];
    t.true(codec.decode(codec.encode(value)).equals(value));
  });

  test('trainDictionary is deterministic for the same samples', (t) => {
    const samples = trainingSamples().slice(0, 600);
    t.true(trainDictionary(samples, { maxBytes: 4096 }).equals(trainDictionary(samples, { maxBytes: 4096 })));
  });

  test('trainDictionary with too few samples fails with ERR_CODEC_DICTIONARY, not a crash', (t) => {
    const err = t.throws(() => trainDictionary([Buffer.from('{"a":1}'), Buffer.from('{"a":2}')], { maxBytes: 4096 }), {
      instanceOf: TierCacheError,
    });
    t.is(err!.code, ErrorCode.CODEC_DICTIONARY);
    t.regex(err!.message, /dictionary training failed/);
  });
} else {
  test('trainDictionary throws ERR_NATIVE_UNAVAILABLE without the addon, and existing dictionaries still work', (t) => {
    const err = t.throws(() => trainDictionary(trainingSamples()), { instanceOf: TierCacheError });
    t.is(err!.code, ErrorCode.NATIVE_UNAVAILABLE);
    t.regex(err!.message, /^trainDictionary needs tiercache's native addon \(zstd's dictionary builder lives there\), and TIERCACHE_IMPL=js keeps the addon unloaded/);
    const codec = new Codec({ ...noMetrics, dictionary: fixtureDictionary() });
    const value = jsonValues(1, 1024, 405)[0];
    const encoded = codec.encode(value);
    t.is(encoded.readUInt32LE(2), codec.dictionaryId);
    t.true(codec.decode(encoded).equals(value));
  });
}

test('trainDictionary validates its arguments by name before anything else', (t) => {
  t.throws(() => trainDictionary('x' as never), { instanceOf: TypeError, message: /samples must be an array/ });
  t.throws(() => trainDictionary([]), { instanceOf: RangeError, message: /samples must not be empty/ });
  t.throws(() => trainDictionary([Buffer.from('a'), 'b' as never]), { instanceOf: TypeError, message: /samples\[1\] must be a Buffer/ });
  t.throws(() => trainDictionary([Buffer.from('a')], { maxBytes: 100 }), { instanceOf: RangeError, message: /options\.maxBytes must be between 256/ });
  t.throws(() => trainDictionary([Buffer.from('a')], { max: 1 } as never), { instanceOf: TypeError, message: /options\.max is not a known option/ });
});

test('raw-content dictionaries (any bytes) work and get a stable hashed id', (t) => {
  const content = Buffer.from(jsonValues(30, 512, 9).join(''));
  const a = new Codec({ ...noMetrics, dictionary: content });
  const b = new Codec({ ...noMetrics, dictionary: Buffer.from(content) });
  t.not(a.dictionaryId, 0);
  t.is(a.dictionaryId, b.dictionaryId);
  const value = jsonValues(1, 800, 10)[0];
  t.true(b.decode(a.encode(value)).equals(value));
});

test('the dictionary is copied: changing the caller buffer later changes nothing', (t) => {
  const dictionary = Buffer.from(fixtureDictionary());
  const codec = new Codec({ ...noMetrics, dictionary });
  const value = jsonValues(1, 1024, 17)[0];
  const encoded = codec.encode(value);
  dictionary.fill(0, 100);
  t.true(codec.decode(encoded).equals(value));
});
