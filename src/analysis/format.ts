/**
 * Number formatting exactly as Python prints it, so text renderings match PyTorch tools byte for byte.
 */

/**
 * Python's `"{0:,}".format(n)` for an integer: 25028904 -> "25,028,904". A double past 2^53 is not
 * an exact count (its last digits are rounding), so it is never printed as one: "≈2.763e21".
 */
export function thousands(n: number | bigint): string {
  if (typeof n === 'number' && !Number.isSafeInteger(n) && Number.isInteger(n)) return `≈${n.toExponential(3).replace('e+', 'e')}`;
  const s = BigInt(n).toString();
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${grouped}` : grouped;
}

/** Decomposes a finite double into an exact integer mantissa and a power-of-two exponent: x = m * 2^e. */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exponentBits = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exponentBits === 0) return { m: fraction, e: -1074 };
  return { m: fraction | (1n << 52n), e: exponentBits - 1075 };
}

/**
 * Python's `"%0.{digits}f" % x`: the exact binary value of x, correctly rounded, ties to even.
 * (JavaScript's toFixed rounds exact ties up, so 0.125 would print 0.13 instead of Python's 0.12.)
 */
export function pyFixed(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const negative = x < 0 || Object.is(x, -0);
  const { m, e } = decompose(Math.abs(x));
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (e >= 0) {
    q = (m << BigInt(e)) * scale;
  } else {
    const num = m * scale;
    const shift = BigInt(-e);
    q = num >> shift;
    const r = num - (q << shift);
    const half = 1n << (shift - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return negative ? `-${s}` : s;
}

/** Python's `str(list)` of integers: [-1, 64, 112, 112]. */
export function pyList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

/** Python's `"{:>N}".format(s)`: right-aligned, never truncated. */
export function rjust(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** A count with an SI-style unit for humans: 4230479872 -> "4.23 G". */
export function humanCount(n: number, digits = 2): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) {
    if (Math.abs(n) >= scale) return `${(n / scale).toFixed(digits)} ${unit}`;
  }
  return `${n}`;
}
