/**
 * A tiny WebAssembly encoder for the generated kernels: LEB128 numbers, a function-body builder with
 * the few (SIMD) instructions the kernels use, and a module with one imported memory and exported
 * functions. Every kernel is generated per layer shape, so shape constants become immediates.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const V128 = 0x7b;

/** SIMD opcodes (after the 0xfd prefix) the kernels use. */
export const SIMD = {
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4Max: 0xeb,
  /** Relaxed SIMD: f32x4.relaxed_madd(a, b, c) = a * b + c, fused where the hardware has FMA. */
  f32x4RelaxedMadd: 0x105,
} as const;

/** Function body builder: locals and instructions. */
export class Code {
  readonly bytes: number[] = [];
  private locals: number[] = [];
  private readonly params: number;
  constructor(params: number) {
    this.params = params;
  }
  local(type: number): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }
  op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n | 0));
  }
  add(): this {
    return this.op(0x6a);
  }
  mul(): this {
    return this.op(0x6c);
  }
  divU(): this {
    return this.op(0x6e);
  }
  remU(): this {
    return this.op(0x70);
  }
  simd(op: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(op), ...rest);
  }
  /** v128.load (align 2^0: tensors are only 4-byte aligned). */
  load(offset: number): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  /** v128.load32_splat: one float broadcast to four lanes. */
  splat(offset: number): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  store(offset: number): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  storeLane(offset: number, lane: number): this {
    return this.simd(0x5a, 2, ...uleb(offset), lane);
  }
  /** v128.load32_lane: replaces one lane of the vector on the stack. */
  loadLane(offset: number, lane: number): this {
    return this.simd(0x56, 2, ...uleb(offset), lane);
  }
  /** i8x16.shuffle of the two vectors on the stack by 32-bit lanes: `lanes[i]` in 0..3 picks from the first, 4..7 from the second. */
  shuffle32(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
  }
  zero(): this {
    return this.simd(0x0c, ...new Array(16).fill(0));
  }
  /** `local += step` */
  inc(local: number, step: number): this {
    return step === 0 ? this : this.get(local).i32(step).add().set(local);
  }
  /** do { body } while (++counter != n), counter starting at 0 (n >= 1). */
  loop(counter: number, n: number, body: () => void): this {
    this.i32(0).set(counter);
    this.op(0x03, 0x40);
    body();
    this.get(counter).i32(1).add().tee(counter).i32(n).op(0x47).op(0x0d, 0).op(0x0b);
    return this;
  }
  /** do { body } while (++counter < limit), counter starting at `start` (a local), limit a local. */
  loopRange(counter: number, start: number, limit: number, body: () => void): this {
    this.get(start).get(limit).op(0x48).op(0x04, 0x40); // if (start < limit)
    this.get(start).set(counter);
    this.op(0x03, 0x40);
    body();
    this.get(counter).i32(1).add().tee(counter).get(limit).op(0x48).op(0x0d, 0).op(0x0b);
    this.op(0x0b);
    return this;
  }
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...this.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

interface ExportedFunction {
  name: string;
  /** i32 parameters. */
  params: number;
  code: Code;
}

/**
 * A module importing `env.mem` (shared when the backend's memory is: the threaded build) and
 * exporting `functions`, each taking i32 parameters and returning nothing.
 */
export function moduleBytes(functions: readonly ExportedFunction[], shared: boolean): Uint8Array<ArrayBuffer> {
  const arities = [...new Set(functions.map((f) => f.params))];
  const type = section(1, vec(arities.map((n) => [0x60, ...vec(new Array(n).fill([I32])), 0])));
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...name('env'), ...name('mem'), 0x02, ...limits]]));
  const funcs = section(3, vec(functions.map((f) => uleb(arities.indexOf(f.params)))));
  const exports = section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const code = section(10, vec(functions.map((f) => f.code.encode())));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

let relaxed: boolean | null = null;

/**
 * Whether this engine runs relaxed SIMD: a tiny module using `f32x4.relaxed_madd` validates.
 * Chromium >= 114 does; Node 20 only with --experimental-wasm-relaxed-simd.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxed === null) {
    const c = new Code(0);
    const v = c.local(V128);
    c.get(v).get(v).get(v).simd(SIMD.f32x4RelaxedMadd).set(v);
    const type = section(1, vec([[0x60, 0, 0]]));
    const funcs = section(3, vec([uleb(0)]));
    const code = section(10, vec([c.encode()]));
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...funcs, ...code]);
    try {
      relaxed = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes);
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}
