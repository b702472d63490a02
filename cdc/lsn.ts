/**
 * PostgreSQL log sequence numbers: as PostgreSQL prints them (`16/B374D848`, two hex halves) and
 * as a bigint, which is how Debezium reports them and how they compare.
 */

/** `16/B374D848` -> 0x16B374D848n */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}

/** 0x16B374D848n -> `16/B374D848` */
export function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
