import * as yauzl from 'yauzl';

import { extensionOf } from './fileTypes';

/** One entry of a zip, as its central directory describes it. */
export interface ArchiveEntry {
	name: string;
	size: number;
	compressed_size: number;
	encrypted: boolean;
	/** A zip inside the zip, listed in turn (to depth 2). */
	entries?: ArchiveEntry[];
}

export interface ArchiveListing {
	entries: ArchiveEntry[];
	/** What could not be read, in words (a lying directory, a bad name, a cut file). */
	errors: string[];
	/** What the directory gives away about a hostile archive (overlapping entries, a bomb's ratio). */
	hostile: string[];
}

/** The archive budget of one analysed mail: decompression is shared out across all its zips. */
export interface ArchiveBudget {
	/** Bytes that may still be decompressed (of 50 MB per mail). */
	inflateLeft: number;
}

export const ARCHIVE_LIMITS = {
	/** Entries listed per archive: the directory is read no further. */
	maxEntries: 1000,
	/** An entry is decompressed (to list a zip inside) only up to this size. */
	maxEntryInflate: 1024 * 1024,
	/** Decompressed bytes per mail, all archives together. */
	maxMailInflate: 50 * 1024 * 1024,
	/** Zips inside zips are listed this deep (the attachment is depth 1). */
	maxDepth: 2,
};

export function newArchiveBudget(): ArchiveBudget {
	return { inflateLeft: ARCHIVE_LIMITS.maxMailInflate };
}

/** Declared expansion past which an archive is a bomb, whatever its entries are. */
const BOMB_SIZE = 1024 * 1024 * 1024;
const BOMB_RATIO = 1000;

function openZip(content: Buffer): Promise<yauzl.ZipFile> {
	return new Promise((resolve, reject) => {
		// Lazy entries: the directory is read one entry at a time, as far as we ask and no further.
		yauzl.fromBuffer(content, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (error, zip) =>
			error || !zip ? reject(error ?? new Error('no zip')) : resolve(zip),
		);
	});
}

/** The central directory's entries, up to the limit; a directory that breaks off leaves an error. */
function readDirectory(zip: yauzl.ZipFile, listing: ArchiveListing): Promise<yauzl.Entry[]> {
	return new Promise((resolve) => {
		const entries: yauzl.Entry[] = [];
		zip.on('entry', (entry: yauzl.Entry) => {
			entries.push(entry);
			if (entries.length < ARCHIVE_LIMITS.maxEntries) return zip.readEntry();
			if (zip.entryCount > entries.length) {
				listing.errors.push(`${zip.entryCount} entries: only the first ${ARCHIVE_LIMITS.maxEntries} are listed`);
			}
			resolve(entries);
		});
		zip.on('end', () => resolve(entries));
		zip.on('error', (error: Error) => {
			listing.errors.push(
				`the directory breaks off after ${entries.length} of ${zip.entryCount} entries: ${error.message}`,
			);
			resolve(entries);
		});
		zip.readEntry();
	});
}

/**
 * Entries whose data overlap another's: the construction of the zip bombs that expand one
 * compressed kernel many times. Each entry's data must end before the next one's local header.
 */
function overlapping(entries: yauzl.Entry[]): number {
	const sorted = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
	let count = 0;
	for (let index = 1; index < sorted.length; index++) {
		const previous = sorted[index - 1];
		// 30 bytes of local header, the name, and the data (the local extra field is left out: it may differ).
		const end = previous.relativeOffsetOfLocalHeader + 30 + previous.fileNameLength + previous.compressedSize;
		if (end > sorted[index].relativeOffsetOfLocalHeader) count++;
	}
	return count;
}

function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		zip.openReadStream(entry, (error, stream) => {
			if (error || !stream) return reject(error ?? new Error('no stream'));
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('error', reject);
			stream.on('end', () => resolve(Buffer.concat(chunks)));
		});
	});
}

const isZipName = (name: string) => ['zip', 'jar'].includes(extensionOf(name));

/** A zip inside, read (within the budget) and listed in turn. */
async function listInner(
	zip: yauzl.ZipFile,
	entry: yauzl.Entry,
	item: ArchiveEntry,
	depth: number,
	budget: ArchiveBudget,
	listing: ArchiveListing,
) {
	if (entry.uncompressedSize > ARCHIVE_LIMITS.maxEntryInflate || entry.uncompressedSize > budget.inflateLeft) {
		listing.errors.push(
			`"${entry.fileName}" (${entry.uncompressedSize} bytes) was not opened: past the decompression bound`,
		);
		return;
	}
	budget.inflateLeft -= entry.uncompressedSize;
	try {
		const inner = await listZip(await inflate(zip, entry), budget, depth + 1);
		item.entries = inner.entries;
		for (const error of inner.errors) listing.errors.push(`${entry.fileName}: ${error}`);
		for (const hostile of inner.hostile) listing.hostile.push(`${entry.fileName}: ${hostile}`);
	} catch (error) {
		listing.errors.push(`"${entry.fileName}" could not be read: ${(error as Error).message}`);
	}
}

/**
 * A zip's entries from its central directory (yauzl reads it; entry data is never read, except a
 * zip inside of at most 1 MB, listed in turn to depth 2, within the mail's 50 MB). Never throws:
 * what cannot be read is in `errors`, what is hostile in `hostile`.
 */
export async function listZip(content: Buffer, budget: ArchiveBudget, depth = 1): Promise<ArchiveListing> {
	const listing: ArchiveListing = { entries: [], errors: [], hostile: [] };
	let zip: yauzl.ZipFile;
	try {
		zip = await openZip(content);
	} catch (error) {
		listing.errors.push(`not a readable zip: ${(error as Error).message}`);
		return listing;
	}
	try {
		const entries = await readDirectory(zip, listing);
		const overlaps = overlapping(entries);
		if (overlaps > 0) listing.hostile.push(`${overlaps} entries overlap another's data (a zip bomb's construction)`);
		const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
		const compressed = entries.reduce((sum, entry) => sum + entry.compressedSize, 0);
		if (declared > BOMB_SIZE || (declared > ARCHIVE_LIMITS.maxEntryInflate && declared > compressed * BOMB_RATIO)) {
			listing.hostile.push(`${entries.length} entries expand to ${declared} bytes from ${compressed} (a zip bomb)`);
		}
		for (const entry of entries) {
			const encrypted = entry.isEncrypted();
			const item: ArchiveEntry = {
				name: entry.fileName,
				size: entry.uncompressedSize,
				compressed_size: entry.compressedSize,
				encrypted,
			};
			listing.entries.push(item);
			if (depth < ARCHIVE_LIMITS.maxDepth && !encrypted && overlaps === 0 && isZipName(entry.fileName)) {
				await listInner(zip, entry, item, depth, budget, listing);
			}
		}
	} finally {
		zip.close();
	}
	return listing;
}

/** Every entry's path, nested ones as "outer.zip/inner.exe". */
export function entryPaths(entries: ArchiveEntry[], prefix = ''): Array<{ path: string; entry: ArchiveEntry }> {
	return entries.flatMap((entry) => [
		{ path: `${prefix}${entry.name}`, entry },
		...(entry.entries ? entryPaths(entry.entries, `${prefix}${entry.name}/`) : []),
	]);
}
