/**
 * Reading input files safely for the CLI: a regular file of a known size, never a device or pipe
 * read without end.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from './args.ts';

/** An encoded image larger than this is no photo (the decoders stop at 50 megapixels anyway). */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** The most a file read whole can be: Node's largest buffer for one read (2 GiB). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/**
 * Reads a regular file whole, its size known before a byte is read: a device (/dev/zero), pipe or
 * socket is refused instead of read without end, and so is a file past `maxBytes`, or (with `check`)
 * one whose size is wrong; `check` gets the size and throws its own UsageError.
 */
export function readFile(path: string, what: string, check?: (size: number) => void, maxBytes = MAX_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`cannot read ${what} ${path}: it is a folder`);
    if (!st.isFile()) throw new UsageError(`cannot read ${what} ${path}: it is not a regular file (a device, pipe or socket has no size to check); give a file`);
    if (st.size > maxBytes) throw new UsageError(`cannot read ${what} ${path}: it is ${st.size} bytes, more than the ${maxBytes} this reads`);
    check?.(st.size);
    const out = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, out, at, st.size - at, at);
      if (n === 0) throw new UsageError(`cannot read ${what} ${path}: it shrank from ${st.size} to ${at} bytes while being read`);
      at += n;
    }
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

