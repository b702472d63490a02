import { INTEGER, NUMERIC_12_2, parseId, readInteger, readMoney, readString } from './validate.ts';

const refusal = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
};

describe('readers refuse what the database could not store', () => {
  it('refuses NUL and lone surrogates in strings, naming the field', () => {
    const rule = { maxLength: 10 };
    expect(refusal(() => readString({ name: 'a\u0000b' }, 'name', rule))).toBe(
      'name: must not contain NUL (U+0000)',
    );
    expect(refusal(() => readString({ name: 'a\ud800' }, 'name', rule))).toMatch(
      /^name: must be valid Unicode/,
    );
    expect(refusal(() => readString({ name: '\udc00x' }, 'name', rule))).toMatch(/^name: /);
    // a well-formed pair is one code point, and fine
    expect(readString({ name: ' \ud83d\ude00 ' }, 'name', rule)).toBe('\ud83d\ude00');
  });

  it('refuses money past its column, keeps every amount it holds', () => {
    expect(readMoney({ price: 9_999_999_999.99 }, 'price', NUMERIC_12_2)).toBe(9_999_999_999.99);
    expect(refusal(() => readMoney({ price: 10_000_000_000 }, 'price', NUMERIC_12_2))).toBe(
      'price: must be at most 9999999999.99',
    );
    expect(refusal(() => readMoney({ price: 30_000_000 }, 'price', { max: 21_474_836.47 }))).toBe(
      'price: must be at most 21474836.47',
    );
    expect(readMoney({ price: 21_474_836.47 }, 'price', { max: 21_474_836.47 })).toBe(
      21_474_836.47,
    );
  });

  it('refuses integers past their range', () => {
    expect(readInteger({ n: INTEGER.max }, 'n', INTEGER)).toBe(INTEGER.max);
    expect(refusal(() => readInteger({ n: 2 ** 31 }, 'n', INTEGER))).toMatch(/^n: must be between/);
    expect(refusal(() => readInteger({ n: 1.5 }, 'n', INTEGER))).toBe('n: must be an integer');
  });

  it('reads only ids a JS number keeps exact', () => {
    expect(parseId('9007199254740991', 'id')).toBe(Number.MAX_SAFE_INTEGER);
    expect(refusal(() => parseId('9007199254740992', 'id'))).toBe(
      'id: must be a positive integer id',
    );
    expect(refusal(() => parseId('9999999999999999', 'id'))).toMatch(/^id: /);
    expect(refusal(() => parseId('1\u0000', 'id'))).toMatch(/^id: /);
  });
});
