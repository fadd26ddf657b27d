// The CSV reader (label,p0,...,pN) with and without a header, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../src/data/csv.js';
import { DataFormatError } from '../src/errors.js';

test('reads rows with a header line', () => {
  const data = parseCsv('label,p0,p1,p2\n7,0,128,255\n2,1,2,3\n', 'a.csv');
  assert.equal(data.count, 2);
  assert.equal(data.inputSize, 3);
  assert.deepEqual([...data.labels], [7, 2]);
  assert.deepEqual([...data.images], [0, 128, 255, 1, 2, 3]);
});

test('reads rows without a header, CRLF line ends and a missing final newline', () => {
  const data = parseCsv('5,9,8\r\n0,7,6', 'b.csv');
  assert.deepEqual([...data.labels], [5, 0]);
  assert.deepEqual([...data.images], [9, 8, 7, 6]);
});

test('a 784-pixel row gives a 784-input dataset', () => {
  const row = [3, ...new Array(784).fill(17)].join(',');
  const data = parseCsv(`${row}\n${row}\n`, 'c.csv');
  assert.equal(data.inputSize, 784);
  assert.equal(data.images[783 + 784], 17);
});

for (const [what, text, pattern] of [
  ['a row with too few fields', '1,2,3\n4,5\n', /d\.csv: line 2: 2 fields, expected 3/],
  ['a pixel out of range', '1,2,300\n', /line 1: pixel 1 value "300" is not an integer 0-255/],
  ['a non-numeric pixel', 'label,a,b\n1,x,3\n', /line 2: pixel 0 value "x"/],
  ['a label that is not a digit class', '12,0,0\n', /line 1: label "12" is not a class 0-9/],
  ['no rows at all', 'label,p0\n\n', /no data rows/],
] as const) {
  test(`rejects ${what} with the file and line`, () => {
    assert.throws(() => parseCsv(text, 'd.csv'), (e: unknown) => e instanceof DataFormatError && pattern.test(e.message));
  });
}
