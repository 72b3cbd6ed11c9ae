/**
 * The CLI's files. Inputs: a regular file of a known size, looked at (stat) before it is opened, since
 * opening a FIFO blocks until a writer comes and a device or pipe has no end; then opened without
 * blocking and checked to be the file looked at. Outputs: never an input (the same device and inode,
 * by any path, link or symlink: no overwritten photo, weights or tensor) and never a FIFO, device or
 * folder, checked before the work and again on the opened file before a byte is written. Images: PNG,
 * JPEG, BMP, GIF and WebP, read as Pillow reads them (EXIF orientation ignored unless asked), with a note saying so.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync, type Stats } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { decodeImageBytes } from '../model/image/decode.ts';
import { orientationMessage, type OrientationMode, type OrientationNote } from '../model/image/orientation.ts';
import { ImageError, type RgbImage } from '../model/image/rgb.ts';
import { UsageError } from './args.ts';

/** An encoded image larger than this is no photo (the decoders stop at 50 megapixels anyway). */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** The most a file read whole can be: Node's largest buffer (4 GiB in Node 20 on 64-bit systems). */
const MAX_FILE_BYTES = bufferConstants.MAX_LENGTH;

/** One read() call takes at most this much (Node's own limit for one call is 2 GiB - 1). */
const READ_CHUNK = 1 << 30;

/** Opening never waits: a FIFO swapped in after the stat opens at once (and is then refused). */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** What a path that is not a regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'something else';
}

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'ELOOP') return 'too many symbolic links (a loop?)';
  return (e as Error).message;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Reads a regular file whole, its size known before a byte is read: a device (/dev/zero), FIFO or
 * socket is refused before it is opened, and so is a file past `maxBytes`, or (with `check`) one
 * whose size is wrong; `check` gets the size and throws its own UsageError.
 */
export function readFile(path: string, what: string, check?: (size: number) => void, maxBytes = MAX_FILE_BYTES): Buffer {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    // The CLI reads local files only: a URL is not fetched (nothing here goes to the network).
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new UsageError(`cannot read ${what} ${path}: it is a URL, and the CLI reads local files only; download it first (curl -LO, a browser) and give the file's path`);
    throw new UsageError(`cannot read ${what} ${path}: ${why(e)}`);
  }
  if (st.isDirectory()) throw new UsageError(`cannot read ${what} ${path}: it is a folder`);
  if (!st.isFile()) throw new UsageError(`cannot read ${what} ${path}: it is not a regular file but ${kindOf(st)} (it has no size to check and may never end); give a file`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${why(e)}`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || !sameFile(opened, st)) throw new UsageError(`cannot read ${what} ${path}: it was replaced while being opened; try again`);
    if (opened.size > maxBytes) throw new UsageError(`cannot read ${what} ${path}: it is ${opened.size} bytes, more than the ${maxBytes} this reads`);
    check?.(opened.size);
    const out = Buffer.allocUnsafe(opened.size);
    let at = 0;
    while (at < opened.size) {
      const n = readSync(fd, out, at, Math.min(opened.size - at, READ_CHUNK), at);
      if (n === 0) throw new UsageError(`cannot read ${what} ${path}: it shrank from ${opened.size} to ${at} bytes while being read`);
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

/** The input files of a command, by the flag that names them: `[['--image', 'photo.jpg'], ['--weights', w]]`. */
export type Inputs = readonly (readonly [flag: string, path: string | undefined])[];

/** Refuses `st` (the output, looked at or opened) where it is an input or not a regular file. */
function refuseOutput(out: string, st: Stats, inputs: Inputs): void {
  if (!st.isFile()) throw new UsageError(`cannot write to --out ${out}: it is not a regular file but ${kindOf(st)}; give a file path`);
  for (const [flag, path] of inputs) {
    if (path === undefined) continue;
    let input: Stats;
    try {
      input = statSync(path);
    } catch {
      continue; // an input that is not there is refused where it is read
    }
    if (sameFile(st, input)) {
      throw new UsageError(`--out ${out} is the same file as ${flag} ${path}: writing it would destroy that input; give another --out path`);
    }
  }
}

/**
 * Checks `--out` before any work: a path that does not exist yet is fine; an existing one must be a
 * regular file and none of the inputs (compared by device and inode, so links and other spellings of
 * the path are caught).
 */
export function checkOutput(out: string, inputs: Inputs): void {
  let st: Stats;
  try {
    st = statSync(out);
  } catch {
    return; // not there yet (or unreachable: the write says why)
  }
  refuseOutput(out, st, inputs);
}

/**
 * Writes `bytes` to `path`, checked as `checkOutput` checks it on the opened file itself, which is
 * truncated only then: an input is never touched, a FIFO never waited on.
 */
export function writeOutputFile(path: string, bytes: Uint8Array, what: string, inputs: Inputs): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | NONBLOCK, 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'ENXIO' ? 'it is not a regular file but a FIFO (named pipe); give a file path' : why(e);
    throw new UsageError(`cannot write ${what} to ${path}: ${reason}`);
  }
  try {
    refuseOutput(path, fstatSync(fd), inputs);
    ftruncateSync(fd, 0);
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at, at);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot write ${what} to ${path}: ${why(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** A decoded image and what was done with its EXIF orientation. */
type LoadedImage = RgbImage & { orientation: OrientationNote | null };

/** Reads and decodes an image file (PNG, JPEG, BMP, GIF, WebP: exactly as Pillow); one-line errors naming the file. */
export function readImage(path: string, orientation: OrientationMode = 'ignore'): LoadedImage {
  const bytes = new Uint8Array(readFile(path, 'image', undefined, MAX_IMAGE_BYTES));
  try {
    const r = decodeImageBytes(bytes, orientation);
    return { ...r.image, orientation: r.orientation };
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
}

/** `f()`, with an image error (a resize refused, say) prefixed by the file it is about, as a one-line UsageError. */
export function aboutImage<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ImageError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * The image as the output names it: `photo.jpg (640x480)`, and where the file carries an EXIF
 * orientation, what was done with it and how to do the other.
 */
export function imageLabel(path: string, img: LoadedImage): string {
  const size = `${img.width}x${img.height}`;
  if (!img.orientation) return `${path} (${size})`;
  const other = img.orientation.applied ? 'without --exif-orientation apply it is read as stored' : '--exif-orientation apply turns it';
  return `${path} (${size}; ${orientationMessage(img.orientation).text}; ${other})`;
}
