import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { JournalCorruptError } from '@sluice/core';

/** lmdb-js's page header: page number, txn id, pad, flags, lower/upper bounds (64-bit builds). */
const PAGE_HEADER_BYTES = 24;
const FLAGS_OFFSET = 18;
const META_PAGE_FLAG = 0x08;
const MAGIC_OFFSET = PAGE_HEADER_BYTES;
const VERSION_OFFSET = PAGE_HEADER_BYTES + 4;
/** The page size is `mm_dbs[FREE_DBI].md_pad`, after magic, version, address and map size. */
const PAGE_SIZE_OFFSET = PAGE_HEADER_BYTES + 24;
const HEADER_BYTES = PAGE_SIZE_OFFSET + 4;
const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;

/**
 * Checks that `dir` can be handed to lmdb-js: it is missing (it will be created), or a directory
 * whose `data.mdb` is absent, empty, or starts with an LMDB meta page of the data version this
 * lmdb-js writes. lmdb-js crashes the whole process (SIGSEGV) when asked to open a file that is
 * not an LMDB environment, so this runs before `open`. Throws JournalCorruptError naming the path.
 * It reads the header only: a valid header over damaged pages is found later, by `read`.
 */
export function checkDataDirectory(dir: string): void {
  const dirStats = statOrUndefined(dir);
  if (dirStats === undefined) return;
  if (!dirStats.isDirectory()) {
    throw corrupt(dir, 'is a file, not a data directory holding an LMDB environment');
  }
  const dataFile = join(dir, 'data.mdb');
  const fileStats = statOrUndefined(dataFile);
  if (fileStats === undefined || (fileStats.isFile() && fileStats.size === 0)) return;
  if (!fileStats.isFile()) throw corrupt(dataFile, 'is not a regular file');
  const problem = headerProblem(readHeader(dataFile), fileStats.size);
  if (problem !== undefined) throw corrupt(dataFile, problem);
}

function headerProblem(header: Buffer, size: number): string | undefined {
  if (header.length < HEADER_BYTES) return `is ${size} bytes long, too short for an LMDB file`;
  const little = endianness() === 'LE';
  const u16 = (at: number): number => (little ? header.readUInt16LE(at) : header.readUInt16BE(at));
  const u32 = (at: number): number => (little ? header.readUInt32LE(at) : header.readUInt32BE(at));
  if ((u16(FLAGS_OFFSET) & META_PAGE_FLAG) === 0 || u32(MAGIC_OFFSET) !== MDB_MAGIC) {
    return 'is not an LMDB data file (no LMDB meta page at its start)';
  }
  const version = u32(VERSION_OFFSET) & 0xffff;
  if (version !== MDB_DATA_VERSION) {
    return `has LMDB data version ${version}; this lmdb-js reads version ${MDB_DATA_VERSION}`;
  }
  const pageSize = u32(PAGE_SIZE_OFFSET);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return `declares an impossible page size (${pageSize})`;
  }
  if (size < 2 * pageSize) return `is truncated (${size} bytes, less than its two meta pages)`;
  return undefined;
}

function readHeader(file: string): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(file, 'r');
  try {
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function corrupt(path: string, problem: string): JournalCorruptError {
  return new JournalCorruptError(`journal store: ${path} ${problem}`);
}
