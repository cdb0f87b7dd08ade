import { ConfigError } from 'fastdfs-protocol';

/**
 * The one integer check of option objects: the message names the option and says what it must
 * be, so a caller can fix it without reading the code.
 */
export function integerOption(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  const range =
    max === Number.MAX_SAFE_INTEGER && min === 1
      ? 'a positive integer'
      : max === Number.MAX_SAFE_INTEGER && min === 0
        ? 'a non-negative integer'
        : `an integer between ${min} and ${max}`;
  throw new ConfigError(`${name} must be ${range}, got ${String(value)}`);
}
