import { Readable } from 'node:stream';

/**
 * A short, safe description of a value for an error message: `a number (42)`, `undefined`,
 * `an array`. Arguments of the wrong type are reported with it rather than left to fail as a
 * TypeError deep inside.
 */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `a ${typeof value} (${String(value)})`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return value instanceof Readable ? 'a Readable' : 'an object';
  }
}
