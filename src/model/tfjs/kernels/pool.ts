/**
 * Every core for the generated kernels: helper workers that share tfjs-wasm's memory (a
 * SharedArrayBuffer in its threaded build, under cross-origin isolation) and take work items of a
 * kernel call through a small control block of Int32 words, synchronised with Atomics. The calling
 * thread (the engine worker) takes items too and returns when every item is done, so a kernel call
 * stays synchronous, as tfjs kernels are.
 *
 * A kernel is a generated module exporting `run(...args, begin, end)` over work items. Its bytes
 * live in the shared memory; a helper compiles a kernel the first time it meets its address. Items are
 * claimed in chunks by compare-and-swap on a counter tagged with the job's number, so a helper that
 * wakes late never takes items of a later job with the earlier job's arguments. Helpers spin a
 * little after each job (the next conv comes soon), then sleep in Atomics.wait.
 *
 * Without shared memory (Node's tfjs-wasm, a page that is not cross-origin isolated) or with one
 * thread, the calling thread runs every item itself.
 */

/** Control block word indices. */
const SEQ = 0;
const NEXT = 1;
const COMPLETED = 2;
const ITEMS = 3;
const CHUNK = 4;
const CODE_PTR = 5;
const CODE_LEN = 6;
const NARGS = 7;
const ARGS = 8;
const MAX_ARGS = 8;
const STOP = ARGS + MAX_ARGS;
const HELPERS_SLEEPING = STOP + 1;
const MAIN_SLEEPING = HELPERS_SLEEPING + 1;
/** Items the helpers have done, all jobs together, and helpers that have started. */
const HELPER_ITEMS = MAIN_SLEEPING + 1;
const HELPERS_STARTED = HELPER_ITEMS + 1;
const CONTROL_WORDS = HELPERS_STARTED + 1;

/** Item counter: job tag in the high 12 bits, next item in the low 20. */
const INDEX_BITS = 20;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const TAG_MASK = 0xfff;
/** The index INDEX_MASK marks a job's counter exhausted while its arguments are written. */
const MAX_ITEMS = INDEX_MASK - 1;

/** The control block's layout: its word indices, its size in words, the item counter's index bits. */
export const CONTROL_LAYOUT = { SEQ, NEXT, COMPLETED, ITEMS, CHUNK, CODE_PTR, CODE_LEN, NARGS, ARGS, words: CONTROL_WORDS, indexBits: INDEX_BITS } as const;

/** How long a thread spins (performance.now() ms) before sleeping in Atomics.wait. */
const HELPER_SPIN_MS = 0.3;
const MAIN_SPIN_MS = 1;

type RunFn = (...args: number[]) => void;

/** A compiled kernel: its bytes in the shared memory (for the helpers) and its instance here. */
export interface PooledKernel {
  /** Where its bytes are (unique: they stay for the memory's life); the helpers know a kernel by it. */
  codePtr: number;
  codeLen: number;
  run: RunFn;
}

/** What the helper worker is sent once. */
export interface HelperInit {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}

/** The worker side of a helper: a postMessage target that can be stopped. */
export interface HelperHandle {
  postMessage(message: HelperInit): void;
  terminate(): void;
}

function claim(ctrl: Int32Array, tag: number, items: number, chunk: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, NEXT);
    if (v >>> INDEX_BITS !== tag) return -1;
    const i = v & INDEX_MASK;
    if (i >= items) return -1;
    if (Atomics.compareExchange(ctrl, NEXT, v, v + Math.min(chunk, items - i)) === v) return i;
  }
}

/** Runs claimed chunks of job `seq` until none are left; returns the items done. */
function work(ctrl: Int32Array, seq: number, run: RunFn, args: number[]): number {
  const tag = seq & TAG_MASK;
  const items = Atomics.load(ctrl, ITEMS);
  const chunk = Atomics.load(ctrl, CHUNK);
  let done = 0;
  for (;;) {
    const i = claim(ctrl, tag, items, chunk);
    if (i < 0) return done;
    const end = Math.min(items, i + chunk);
    run(...args, i, end);
    done += end - i;
    if (Atomics.add(ctrl, COMPLETED, end - i) + (end - i) === items && Atomics.load(ctrl, MAIN_SLEEPING)) Atomics.notify(ctrl, COMPLETED);
  }
}

/**
 * One job as a helper takes it (`seq`, seen in the SEQ word): its kernel, code and arguments, then
 * items until none are left; returns the items done. The words are this job's only while the job is
 * current: the next job first marks the counter with its own tag, then overwrites them, so a helper
 * that reads them while the calling thread finishes this job alone and starts the next can read a
 * mix of both. It therefore checks the counter's tag after reading and gives up on a stale job
 * (claiming would fail anyway), and compiles and caches a kernel by the address of its code (a
 * kernel's bytes stay at their address for the memory's life), never by an id read beside it: a
 * kernel cached under an id read from one job and code read from the next would run the wrong code
 * for every later call of that id.
 */
export function helperJob(ctrl: Int32Array, seq: number, memory: WebAssembly.Memory, kernels: Map<number, RunFn>): number {
  const ptr = Atomics.load(ctrl, CODE_PTR);
  const len = Atomics.load(ctrl, CODE_LEN);
  const args: number[] = [];
  for (let a = 0, n = Atomics.load(ctrl, NARGS); a < n; a++) args.push(Atomics.load(ctrl, ARGS + a));
  if (Atomics.load(ctrl, NEXT) >>> INDEX_BITS !== (seq & TAG_MASK)) return 0;
  let run = kernels.get(ptr);
  if (!run) {
    // Compiled from a copy: the memory can grow (a new buffer) while the module compiles.
    const bytes = new Uint8Array(len);
    bytes.set(new Uint8Array(memory.buffer, ptr, len));
    run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports.run as RunFn;
    kernels.set(ptr, run);
  }
  return work(ctrl, seq, run, args);
}

/** The helper's loop (in its worker): wait for a job, take it (`helperJob`), repeat until stopped. */
export function helperLoop({ memory, control }: HelperInit): void {
  const ctrl = new Int32Array(control);
  const kernels = new Map<number, RunFn>();
  Atomics.add(ctrl, HELPERS_STARTED, 1);
  let seen = Atomics.load(ctrl, SEQ);
  for (;;) {
    let seq = Atomics.load(ctrl, SEQ);
    if (seq === seen) {
      const t0 = performance.now();
      while ((seq = Atomics.load(ctrl, SEQ)) === seen && performance.now() - t0 < HELPER_SPIN_MS);
      while (seq === seen) {
        Atomics.add(ctrl, HELPERS_SLEEPING, 1);
        Atomics.wait(ctrl, SEQ, seen);
        Atomics.sub(ctrl, HELPERS_SLEEPING, 1);
        seq = Atomics.load(ctrl, SEQ);
      }
    }
    seen = seq;
    if (Atomics.load(ctrl, STOP)) return;
    const done = helperJob(ctrl, seq, memory, kernels);
    if (done) Atomics.add(ctrl, HELPER_ITEMS, done);
  }
}

export class KernelPool {
  /** Threads that take items, the calling one included. */
  readonly threads: number;
  /** Threads asked for. */
  readonly requested: number;
  /** Why a helper could not start, if one could not. */
  startError: string | null = null;
  private readonly ctrl: Int32Array | null;
  private readonly helpers: HelperHandle[] = [];
  private seq = 0;

  /**
   * `threads` - 1 helpers from `startHelper` when the memory is shared; otherwise the calling
   * thread alone.
   */
  constructor(memory: WebAssembly.Memory, threads: number, startHelper: (() => HelperHandle) | null) {
    this.requested = threads;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    if (!shared || threads <= 1 || !startHelper) {
      this.threads = 1;
      this.ctrl = null;
      return;
    }
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    this.ctrl = new Int32Array(control);
    let started = 1;
    try {
      for (let i = 1; i < threads; i++) {
        const h = startHelper();
        h.postMessage({ memory, control });
        this.helpers.push(h);
        started++;
      }
    } catch (e) {
      // Fewer helpers (a browser that refuses nested workers): the items are shared by fewer threads.
      this.startError = e instanceof Error ? e.message : String(e);
    }
    this.threads = started;
  }

  /**
   * Runs `kernel` over `items` work items with `args` before (begin, end); returns when all are done.
   * `chunk`: items a thread claims at once (default: about 16 claims per thread, so that a thread the OS deschedules holds back little).
   */
  run(kernel: PooledKernel, args: readonly number[], items: number, chunk = Math.max(1, Math.floor(items / (16 * this.threads)))): void {
    if (items <= 0) return;
    const ctrl = this.ctrl;
    if (!ctrl || this.threads === 1 || items === 1) {
      kernel.run(...args, 0, items);
      return;
    }
    if (items > MAX_ITEMS) throw new Error(`kernel pool: ${items} work items, at most ${MAX_ITEMS}`);
    if (args.length > MAX_ARGS) throw new Error(`kernel pool: ${args.length} arguments, at most ${MAX_ARGS}`);
    const seq = (this.seq = (this.seq + 1) | 0);
    // First the counter of the new job, exhausted: a helper still in the last job cannot claim
    // (its tag differs) and none can claim in this one while its arguments are written.
    Atomics.store(ctrl, NEXT, ((seq & TAG_MASK) << INDEX_BITS) | INDEX_MASK);
    Atomics.store(ctrl, CODE_PTR, kernel.codePtr);
    Atomics.store(ctrl, CODE_LEN, kernel.codeLen);
    Atomics.store(ctrl, NARGS, args.length);
    for (let a = 0; a < args.length; a++) Atomics.store(ctrl, ARGS + a, args[a]);
    Atomics.store(ctrl, ITEMS, items);
    Atomics.store(ctrl, CHUNK, chunk);
    Atomics.store(ctrl, COMPLETED, 0);
    Atomics.store(ctrl, NEXT, (seq & TAG_MASK) << INDEX_BITS);
    Atomics.store(ctrl, SEQ, seq);
    if (Atomics.load(ctrl, HELPERS_SLEEPING) > 0) Atomics.notify(ctrl, SEQ);
    work(ctrl, seq, kernel.run, args as number[]);
    let completed = Atomics.load(ctrl, COMPLETED);
    if (completed < items) {
      const t0 = performance.now();
      while ((completed = Atomics.load(ctrl, COMPLETED)) < items && performance.now() - t0 < MAIN_SPIN_MS);
      while (completed < items) {
        Atomics.store(ctrl, MAIN_SLEEPING, 1);
        completed = Atomics.load(ctrl, COMPLETED);
        if (completed < items) Atomics.wait(ctrl, COMPLETED, completed, 50);
        Atomics.store(ctrl, MAIN_SLEEPING, 0);
        completed = Atomics.load(ctrl, COMPLETED);
      }
    }
  }

  /** Helpers that have started, and work items they have done since the pool started. */
  stats(): { helpersStarted: number; helperItems: number } {
    return this.ctrl ? { helpersStarted: Atomics.load(this.ctrl, HELPERS_STARTED), helperItems: Atomics.load(this.ctrl, HELPER_ITEMS) } : { helpersStarted: 0, helperItems: 0 };
  }

  /** Stops the helpers. */
  dispose(): void {
    if (this.ctrl) {
      Atomics.store(this.ctrl, STOP, 1);
      Atomics.store(this.ctrl, SEQ, (this.seq = (this.seq + 1) | 0));
      Atomics.notify(this.ctrl, SEQ);
    }
    for (const h of this.helpers) h.terminate();
    this.helpers.length = 0;
  }
}
