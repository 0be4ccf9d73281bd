import test from 'ava';
import { plural } from '../ts/common/plural.js';
import { checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject } from '../ts/common/validate.js';

test('checkInteger names the argument in TypeError and RangeError', (t) => {
  t.is(checkInteger(5, 'options.max', 1), 5);
  t.throws(() => checkInteger('5', 'options.max', 1), { instanceOf: TypeError, message: /options\.max must be a number, got "5"/ });
  t.throws(() => checkInteger(Number.NaN, 'options.max', 1), { instanceOf: RangeError, message: /options\.max must be an integer, got NaN/ });
  t.throws(() => checkInteger(1.5, 'options.max', 1), { instanceOf: RangeError, message: /options\.max/ });
  t.throws(() => checkInteger(0, 'options.max', 1), { instanceOf: RangeError, message: /options\.max must be between 1 and/ });
});

test('checkKnownKeys rejects a misspelt option by name', (t) => {
  t.notThrows(() => checkKnownKeys({ max: 1 }, 'options', ['max', 'min']));
  t.throws(() => checkKnownKeys({ maxx: 1 }, 'options', ['max', 'min']), { instanceOf: TypeError, message: /options\.maxx is not a known option/ });
});

test('checkOneOf and checkOptionsObject reject the wrong kinds of values', (t) => {
  t.is(checkOneOf('lru', 'options.policy', ['lru', 'tinylfu']), 'lru');
  t.throws(() => checkOneOf('arc', 'options.policy', ['lru', 'tinylfu']), { instanceOf: RangeError, message: /options\.policy must be one of 'lru', 'tinylfu'/ });
  t.deepEqual(checkOptionsObject(undefined, 'options'), {});
  t.throws(() => checkOptionsObject(null, 'options'), { instanceOf: TypeError, message: /options must be an object, got null/ });
  t.throws(() => checkOptionsObject([], 'options'), { instanceOf: TypeError });
});

test('plural puts the noun in the number of the count', (t) => {
  t.is(plural(1, 'byte'), '1 byte');
  t.is(plural(0, 'byte'), '0 bytes');
  t.is(plural(2, 'key'), '2 keys');
  t.is(plural(1, 'batch', 'batches'), '1 batch');
  t.is(plural(3, 'batch', 'batches'), '3 batches');
});
