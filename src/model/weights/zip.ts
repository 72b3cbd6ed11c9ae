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

/**
 * The records torch's reader looks at (APPNOTE 4.3): signature, fixed size, and where each field lies,
 * name -> [offset from the signature, width in bytes].
 */
interface RecordLayout { signature: number; size: number; fields: { [name: string]: readonly [number, 2 | 4 | 8] } }
const EOCD = {
  signature: 0x06054b50, size: 22,
  fields: { thisDisk: [4, 2], directoryDisk: [6, 2], onThisDisk: [8, 2], total: [10, 2], directorySize: [12, 4], directoryOffset: [16, 4] },
} as const satisfies RecordLayout;
const ZIP64_LOCATOR = { signature: 0x07064b50, size: 20, fields: { record: [8, 8], disks: [16, 4] } } as const satisfies RecordLayout;
const ZIP64_EOCD = {
  signature: 0x06064b50, size: 56,
  fields: { recordSize: [4, 8], thisDisk: [16, 4], directoryDisk: [20, 4], onThisDisk: [24, 8], total: [32, 8], directorySize: [40, 8], directoryOffset: [48, 8] },
} as const satisfies RecordLayout;
const CENTRAL = {
  signature: 0x02014b50, size: 46,
  fields: {
    flags: [8, 2], method: [10, 2], compressedSize: [20, 4], uncompressed: [24, 4], nameLength: [28, 2], extraLength: [30, 2],
    commentLength: [32, 2], disk: [34, 2], externalAttributes: [38, 4], localHeaderOffset: [42, 4],
  },
} as const satisfies RecordLayout;
const LOCAL = { signature: 0x04034b50, size: 30, fields: { nameLength: [26, 2], extraLength: [28, 2] } } as const satisfies RecordLayout;

/** A little-endian 64-bit value, or Infinity past what a number holds exactly. */
function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
}

/** The fields of the record at `at`, read by its layout (little-endian; 64-bit values past 2^53 as Infinity). */
function readFields<R extends RecordLayout>(view: DataView, at: number, record: R): { [K in keyof R['fields']]: number } {
  const out: Record<string, number> = {};
  for (const [name, [offset, width]] of Object.entries(record.fields)) {
    out[name] = width === 2 ? view.getUint16(at + offset, true) : width === 4 ? view.getUint32(at + offset, true) : u64(view, at + offset);
  }
  return out as { [K in keyof R['fields']]: number };
}

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
  const u32 = (at: number): number => view.getUint32(at, true);

  // The last end record signature with a whole record after it, within a comment's length of the end.
  let eocd = -1;
  for (let at = size - EOCD.size; at >= 0 && at >= size - EOCD.size - MAX_COMMENT; at--) {
    if (bytes[at] === 0x50 && u32(at) === EOCD.signature) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged(label, 'no end of central directory record');

  let { total, onThisDisk, thisDisk, directoryDisk, directorySize, directoryOffset } = readFields(view, eocd, EOCD);
  if (eocd >= ZIP64_LOCATOR.size + ZIP64_EOCD.size && u32(eocd - ZIP64_LOCATOR.size) === ZIP64_LOCATOR.signature) {
    const locator = readFields(view, eocd - ZIP64_LOCATOR.size, ZIP64_LOCATOR);
    if (locator.record > size - ZIP64_EOCD.size) throw damaged(label, 'the zip64 end record lies outside the file');
    if (u32(locator.record) === ZIP64_EOCD.signature) {
      const record = readFields(view, locator.record, ZIP64_EOCD);
      if (record.recordSize < ZIP64_EOCD.size - 12) throw damaged(label, 'the zip64 end record is too short');
      if (locator.disks !== 1) throw multiDisk(label);
      if (record.total > U32_MAX || record.onThisDisk > U32_MAX) {
        throw damaged(label, `the zip64 end record claims ${quote(record.total)} entries, more than a zip reader lists`);
      }
      if (record.directorySize > U32_MAX) throw damaged(label, `the zip64 end record claims a central directory of ${quote(record.directorySize)} bytes`);
      ({ total, onThisDisk, directorySize, thisDisk, directoryDisk, directoryOffset } = record);
    }
  }
  if (total !== onThisDisk || ((thisDisk | directoryDisk) !== 0 && (thisDisk !== 1 || directoryDisk !== 1))) throw multiDisk(label);
  // Each entry takes at least 46 bytes of the directory: the count is bounded before anything is listed.
  if (directorySize < total * CENTRAL.size) {
    throw damaged(label, `the end record claims ${total} entries, but its central directory of ${directorySize} bytes holds at most ${Math.floor(directorySize / CENTRAL.size)}`);
  }
  if (directoryOffset + directorySize > size) throw damaged(label, 'the central directory runs past the end of the file');

  const entries: ZipEntry[] = [];
  let p = directoryOffset;
  let left = directorySize;
  for (let i = 0; i < total; i++) {
    if (left < CENTRAL.size || u32(p) !== CENTRAL.signature) throw damaged(label, `central directory entry ${i + 1} of ${total} is not where the directory says`);
    const { flags, method, nameLength, extraLength, commentLength, disk, externalAttributes, ...sizes } = readFields(view, p, CENTRAL);
    let { compressedSize, uncompressed, localHeaderOffset } = sizes;
    const headerSize = CENTRAL.size + nameLength + extraLength + commentLength;
    if (headerSize > left) throw damaged(label, `central directory entry ${i + 1} runs past the directory`);
    if (compressedSize !== U32_MAX && uncompressed !== U32_MAX) {
      if ((method === 0 && uncompressed !== compressedSize) || (uncompressed !== 0 && compressedSize === 0)) {
        throw damaged(label, `entry ${i + 1} declares ${uncompressed} bytes stored in ${compressedSize}`);
      }
    }
    if (disk === 0xffff || (disk !== thisDisk && disk !== 1)) throw multiDisk(label);
    if (compressedSize !== U32_MAX && localHeaderOffset + LOCAL.size + compressedSize > size) {
      throw damaged(label, `entry ${i + 1} runs past the end of the file`);
    }
    if (flags & FLAG_MASKED_DIRECTORY) throw encrypted(label, `entry ${i + 1}`);
    let name = '';
    for (let k = 0; k < nameLength; k++) name += String.fromCharCode(bytes[p + CENTRAL.size + k]);
    // Sizes and offset of 0xFFFFFFFF are in the zip64 extended information extra field, in this order.
    if (compressedSize === U32_MAX || uncompressed === U32_MAX || localHeaderOffset === U32_MAX) {
      const values = zip64Extra(bytes, view, p + CENTRAL.size + nameLength, extraLength, label, i);
      let k = 0;
      const next = (): number => {
        if (k + 8 > values.byteLength) throw damaged(label, `entry ${i + 1} has no zip64 sizes for its 0xFFFFFFFF fields`);
        const v = u64(values, k);
        k += 8;
        return v;
      };
      if (uncompressed === U32_MAX) uncompressed = next();
      if (compressedSize === U32_MAX) compressedSize = next();
      if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
      if (localHeaderOffset + LOCAL.size + compressedSize > size || !Number.isFinite(uncompressed)) {
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
  if (local + LOCAL.size > bytes.length || view.getUint32(local, true) !== LOCAL.signature) throw damaged(label, `${what} has no local header where the directory says`);
  const { nameLength, extraLength } = readFields(view, local, LOCAL);
  const start = local + LOCAL.size + nameLength + extraLength;
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
