import { lsnText, parseLsn } from './lsn.ts';

test('reads and prints an LSN as PostgreSQL does, both ways', () => {
  expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
  expect(parseLsn('0/0')).toBe(0n);
  expect(lsnText(0x16b374d848n)).toBe('16/B374D848');
  expect(lsnText(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
});
