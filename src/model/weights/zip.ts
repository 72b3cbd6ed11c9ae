/**
 * The zip container of a torch.save file, read the way torch.load reads it (PyTorch's
 * PyTorchStreamReader over miniz), with every size bounded before it is trusted:
 * - the end of central directory record (or its zip64 version) is found from the end of the file;
 *   multi-disk archives are refused;
 * - the entry count is bounded by the central directory's real size (46 bytes an entry at least)
 *   before anything is listed, so an end record claiming 2^32 - 1 entries costs nothing;
 * - encrypted, patched and compressed-by-other-methods entries are refused (stored and deflate only);
 * - a deflated entry is inflated into a buffer of exactly the size it must have, and inflation stops
 *   as soon as it would produce one byte more (a deflate bomb costs its declared size at most);
 * - names are looked up without regard to ASCII case, as miniz does; two entries whose names differ
 *   only in case (or not at all) are refused, because which one torch reads depends on its sort.
 * CRC-32 values are not checked: torch does not check them either.
 */
import { Inflate } from 'fflate';
import { WeightsError, clip, quote } from './common.ts';
import { weightsMessage } from './messages.ts';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const U32_MAX = 0xffffffff;
/** The end record may be followed by a comment of up to 65535 bytes. */
const MAX_COMMENT = 0xffff;
/** Compressed bytes handed to the inflater at a time: it can produce at most ~1032x as much before it is checked. */
const INFLATE_CHUNK = 4 * 1024;

/** General purpose flags torch refuses: encrypted (bit 0), compressed patch data (bit 5), strong encryption (bit 6). */
const FLAG_ENCRYPTED = 0x0001;
const FLAG_PATCH = 0x0020;
const FLAG_STRONG_ENCRYPTION = 0x0040;
/** The central directory itself is encrypted (bit 13). */
const FLAG_MASKED_DIRECTORY = 0x2000;

export interface ZipEntry {
  /** The name's bytes as a binary string (one char per byte), as stored in the central directory. */
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** Uncompressed size the central directory declares. */
  size: number;
  localHeaderOffset: number;
  /** miniz (so torch) takes an entry for a directory when its name ends in '/' or its DOS directory attribute (0x10) is set. */
  directory: boolean;
}

interface ZipDirectory {
  /** In central directory order. */
  entries: ZipEntry[];
  /** The entry whose name equals `name` without regard to ASCII case, as torch's lookups do. */
  find(name: string): ZipEntry | undefined;
}

/** An entry name as text (UTF-8 decoded where it is), capped, for messages. */
export function entryText(name: string): string {
  return clip(new TextDecoder().decode(Uint8Array.from(name.slice(0, 200), (c) => c.charCodeAt(0))));
}

/** An entry name for messages: decoded as UTF-8 where it is, quoted, capped. */
export function displayName(name: string): string {
  return quote(new TextDecoder().decode(Uint8Array.from(name.slice(0, 200), (c) => c.charCodeAt(0))));
}

function foldCase(name: string): string {
  return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function damaged(label: string, what: string): WeightsError {
  return new WeightsError('corrupt', weightsMessage('weights.zipDamaged', { name: label, what }));
}

/**
 * Reads the central directory the way miniz's reader does (the checks torch.load applies before it
 * reads any entry), refusing what torch refuses. `label` names the file in messages.
 */
export function readZipDirectory(bytes: Uint8Array, label: string): ZipDirectory {
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  };

  // The last end record signature with a whole record after it, within a comment's length of the end.
  let eocd = -1;
  for (let at = size - EOCD_SIZE; at >= 0 && at >= size - EOCD_SIZE - MAX_COMMENT; at--) {
    if (bytes[at] === 0x50 && u32(at) === EOCD_SIG) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged(label, 'no end of central directory record');

  let total = u16(eocd + 10);
  let onThisDisk = u16(eocd + 8);
  let thisDisk = u16(eocd + 4);
  let directoryDisk = u16(eocd + 6);
  let directorySize = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  if (eocd >= ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE && u32(eocd - ZIP64_LOCATOR_SIZE) === ZIP64_LOCATOR_SIG) {
    const locator = eocd - ZIP64_LOCATOR_SIZE;
    const record = u64(locator + 8);
    if (record > size - ZIP64_EOCD_SIZE) throw damaged(label, 'the zip64 end record lies outside the file');
    if (u32(record) === ZIP64_EOCD_SIG) {
      if (u64(record + 4) < ZIP64_EOCD_SIZE - 12) throw damaged(label, 'the zip64 end record is too short');
      if (u32(locator + 16) !== 1) throw multiDisk(label);
      const total64 = u64(record + 32);
      const onDisk64 = u64(record + 24);
      const size64 = u64(record + 40);
      if (total64 > U32_MAX || onDisk64 > U32_MAX) {
        throw damaged(label, `the zip64 end record claims ${quote(total64)} entries, more than a zip reader lists`);
      }
      if (size64 > U32_MAX) throw damaged(label, `the zip64 end record claims a central directory of ${quote(size64)} bytes`);
      total = total64;
      onThisDisk = onDisk64;
      directorySize = size64;
      thisDisk = u32(record + 16);
      directoryDisk = u32(record + 20);
      directoryOffset = u64(record + 48);
    }
  }
  if (total !== onThisDisk || ((thisDisk | directoryDisk) !== 0 && (thisDisk !== 1 || directoryDisk !== 1))) throw multiDisk(label);
  // Each entry takes at least 46 bytes of the directory: the count is bounded before anything is listed.
  if (directorySize < total * CENTRAL_SIZE) {
    throw damaged(label, `the end record claims ${total} entries, but its central directory of ${directorySize} bytes holds at most ${Math.floor(directorySize / CENTRAL_SIZE)}`);
  }
  if (directoryOffset + directorySize > size) throw damaged(label, 'the central directory runs past the end of the file');

  const entries: ZipEntry[] = [];
  let p = directoryOffset;
  let left = directorySize;
  for (let i = 0; i < total; i++) {
    if (left < CENTRAL_SIZE || u32(p) !== CENTRAL_SIG) throw damaged(label, `central directory entry ${i + 1} of ${total} is not where the directory says`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    let compressedSize = u32(p + 20);
    let uncompressed = u32(p + 24);
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const commentLength = u16(p + 32);
    const disk = u16(p + 34);
    const externalAttributes = u32(p + 38);
    let localHeaderOffset = u32(p + 42);
    const headerSize = CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (headerSize > left) throw damaged(label, `central directory entry ${i + 1} runs past the directory`);
    if (compressedSize !== U32_MAX && uncompressed !== U32_MAX) {
      if ((method === 0 && uncompressed !== compressedSize) || (uncompressed !== 0 && compressedSize === 0)) {
        throw damaged(label, `entry ${i + 1} declares ${uncompressed} bytes stored in ${compressedSize}`);
      }
    }
    if (disk === 0xffff || (disk !== thisDisk && disk !== 1)) throw multiDisk(label);
    if (compressedSize !== U32_MAX && localHeaderOffset + LOCAL_SIZE + compressedSize > size) {
      throw damaged(label, `entry ${i + 1} runs past the end of the file`);
    }
    if (flags & FLAG_MASKED_DIRECTORY) throw encrypted(label, `entry ${i + 1}`);
    let name = '';
    for (let k = 0; k < nameLength; k++) name += String.fromCharCode(bytes[p + CENTRAL_SIZE + k]);
    // Sizes and offset of 0xFFFFFFFF are in the zip64 extended information extra field, in this order.
    if (compressedSize === U32_MAX || uncompressed === U32_MAX || localHeaderOffset === U32_MAX) {
      const values = zip64Extra(bytes, view, p + CENTRAL_SIZE + nameLength, extraLength, label, i);
      let k = 0;
      const next = (): number => {
        if (k + 8 > values.byteLength) throw damaged(label, `entry ${i + 1} has no zip64 sizes for its 0xFFFFFFFF fields`);
        const v = values.getBigUint64(k, true);
        k += 8;
        return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
      };
      if (uncompressed === U32_MAX) uncompressed = next();
      if (compressedSize === U32_MAX) compressedSize = next();
      if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
      if (localHeaderOffset + LOCAL_SIZE + compressedSize > size || !Number.isFinite(uncompressed)) {
        throw damaged(label, `entry ${displayName(name)} runs past the end of the file`);
      }
    }
    const directory = name.endsWith('/') || (externalAttributes & 0x10) !== 0;
    entries.push({ name, method, flags, compressedSize, size: uncompressed, localHeaderOffset, directory });
    p += headerSize;
    left -= headerSize;
  }

  const byName = new Map<string, ZipEntry>();
  for (const e of entries) {
    const key = foldCase(e.name);
    const other = byName.get(key);
    if (other) {
      const same = other.name === e.name ? `two entries named ${displayName(e.name)}` : `entries ${displayName(other.name)} and ${displayName(e.name)}, whose names differ only in case`;
      throw new WeightsError(
        'corrupt',
        `${label}: the zip archive holds ${same}; torch.load would read one of them, depending on how it sorts the names. ` +
          'Refusing the file rather than guessing: re-save it with torch.save.',
      );
    }
    byName.set(key, e);
  }
  return { entries, find: (name) => byName.get(foldCase(name)) };
}

function multiDisk(label: string): WeightsError {
  return new WeightsError(
    'unsupported',
    `${label} is a multi-disk (split) zip archive, which torch.load does not read either: join the parts, or re-save the weights with torch.save`,
  );
}

function encrypted(label: string, what: string): WeightsError {
  return new WeightsError(
    'unsupported',
    `${label}: ${what} of the zip archive is encrypted (or a patch), which torch.load does not read either: save the weights again with torch.save, unencrypted`,
  );
}

/** The data of the zip64 extended information field (id 0x0001) of an extra block, or an empty view. */
function zip64Extra(bytes: Uint8Array, view: DataView, start: number, length: number, label: string, index: number): DataView {
  let at = start;
  let left = length;
  while (left > 0) {
    if (left < 4) throw damaged(label, `entry ${index + 1} has a damaged extra field`);
    const id = view.getUint16(at, true);
    const n = view.getUint16(at + 2, true);
    if (n + 4 > left) throw damaged(label, `entry ${index + 1} has a damaged extra field`);
    if (id === 0x0001) return new DataView(bytes.buffer, bytes.byteOffset + at + 4, n);
    at += 4 + n;
    left -= 4 + n;
  }
  return new DataView(new ArrayBuffer(0));
}

/**
 * The bytes of one entry, as torch reads them (from where its local header says the data starts).
 * A stored entry is returned as a view of `bytes` (no copy); a deflated one is inflated into a new
 * buffer of exactly `entry.size` bytes, refusing it the moment it would give more (or when it gives less).
 * An entry declaring more than `maxSize` bytes is refused before anything is allocated.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, label: string, maxSize: number): Uint8Array {
  const what = `entry ${displayName(entry.name)}`;
  if (entry.size > maxSize) {
    throw new WeightsError(
      'limit',
      `${label}: ${what} declares ${entry.size} bytes, more than the ${maxSize} it can need; refused before reading it. ` +
        'The file is damaged or was not written by torch.save: re-save the weights with torch.save(model.state_dict(), path).',
    );
  }
  if (entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_PATCH)) throw encrypted(label, what);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new WeightsError(
      'unsupported',
      `${label}: ${what} is compressed with zip method ${entry.method}; torch.load reads only stored and deflated entries. Re-save the weights with torch.save.`,
    );
  }
  if (entry.directory && entry.size > 0) {
    throw new WeightsError(
      'corrupt',
      `${label}: ${what} is marked as a directory in the zip directory, so torch.load would read none of its bytes (it gets whatever memory it allocated). ` +
        'Refusing the file: re-save it with torch.save.',
    );
  }
  if (entry.compressedSize === 0) return new Uint8Array(entry.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + LOCAL_SIZE > bytes.length || view.getUint32(local, true) !== LOCAL_SIG) throw damaged(label, `${what} has no local header where the directory says`);
  const start = local + LOCAL_SIZE + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (start + entry.compressedSize > bytes.length) throw damaged(label, `${what} runs past the end of the file`);
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return compressed;

  const out = new Uint8Array(entry.size);
  let produced = 0;
  const inflater = new Inflate((chunk) => {
    if (produced + chunk.length > out.length) {
      throw new WeightsError(
        'corrupt',
        `${label}: ${what} inflates to more than the ${entry.size} bytes the zip directory declares (a deflate bomb, or a damaged file): ` +
          'refused after inflating that much. Download the file again, or re-save it with torch.save.',
      );
    }
    out.set(chunk, produced);
    produced += chunk.length;
  });
  try {
    for (let at = 0; at < compressed.length; at += INFLATE_CHUNK) {
      const end = Math.min(compressed.length, at + INFLATE_CHUNK);
      inflater.push(compressed.subarray(at, end), end === compressed.length);
    }
  } catch (err) {
    if (err instanceof WeightsError) throw err;
    throw damaged(label, `${what} does not inflate: ${quote((err as Error).message)}`);
  }
  if (produced !== out.length) throw damaged(label, `${what} inflates to ${produced} bytes, the directory declares ${entry.size}`);
  return out;
}
