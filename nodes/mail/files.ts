/**
 * Files on the n8n host: attachment names made safe for any file system, and writing a file so that
 * it never lands outside its folder, never replaces a file and never shows a partial file under
 * its final name (docs/DESIGN.md, "Nothing lost on a cut transfer").
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { detectExtension } from 'nodemailer/lib/mime-funcs/mime-types';

import { MailError } from './errors';

/** Bytes, not characters: most file systems cap a name at 255 bytes; room is left for " (n)". */
const MAX_NAME_BYTES = 200;
const MAX_EXTENSION_BYTES = 20;

// Windows refuses these as a file's base name whatever the extension (CON.txt, aux.tar.gz).
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
// C0/C1 controls, DEL, and the bidi/zero-width marks that disguise names ("invoice\u202Efdp.exe").
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;

function truncateBytes(text: string, maxBytes: number): string {
	let result = '';
	for (const char of text) {
		if (Buffer.byteLength(result + char) > maxBytes) break;
		result += char;
	}
	return result;
}

/**
 * A decoded attachment name -> a plain file name that is safe on Linux, macOS and Windows: only
 * its last path segment, no control or disguising characters, no leading dots (hidden files, `..`),
 * no reserved device names, at most 200 bytes with the extension kept. Empty when nothing is left.
 */
export function safeFileName(name: string | undefined): string {
	let result = (name ?? '').normalize('NFC').replace(INVISIBLE, '');
	result = result.split(/[/\\]/).pop() ?? '';
	result = result.replace(WINDOWS_FORBIDDEN, '_').trim();
	// Windows drops trailing dots and spaces; leading dots would hide the file or walk up.
	result = result.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
	if (!result) return '';
	const dot = result.lastIndexOf('.');
	let base = dot > 0 ? result.slice(0, dot) : result;
	let extension = dot > 0 ? result.slice(dot) : '';
	if (Buffer.byteLength(extension) > MAX_EXTENSION_BYTES) {
		base = result;
		extension = '';
	}
	if (WINDOWS_RESERVED.test(base.split('.')[0].trim())) base = `_${base}`;
	base = truncateBytes(base, MAX_NAME_BYTES - Buffer.byteLength(extension)).trim();
	return `${base}${extension}`;
}

/** The name a part gets when it has none (or none survives): `attachment-1.pdf` from its content type. */
export function fallbackFileName(contentType: string | undefined, position: number): string {
	const extension = contentType ? detectExtension(contentType.toLowerCase()) : 'bin';
	return `attachment-${position}.${contentType === 'message/rfc822' ? 'eml' : extension || 'bin'}`;
}

/** `name (1).ext`, `name (2).ext`, ... for the n-th try of a name that is taken. */
function numbered(name: string, attempt: number): string {
	if (attempt === 0) return name;
	const dot = name.lastIndexOf('.');
	return dot > 0 ? `${name.slice(0, dot)} (${attempt})${name.slice(dot)}` : `${name} (${attempt})`;
}

/** Resolves `name` inside `directory` and refuses anything that would land elsewhere. */
export function pathInside(directory: string, name: string): string {
	const root = path.resolve(directory);
	const target = path.resolve(root, name);
	if (path.dirname(target) !== root || !name || name === '.' || name === '..') {
		throw new MailError('INVALID_INPUT', `The file name "${name}" would be written outside the download folder.`);
	}
	return target;
}

/**
 * Gives a finished temporary file its final name without ever replacing an existing file:
 * link() fails when the name is taken (even by a dangling symlink), so the next suffix is tried.
 * File systems without hard links get the name reserved with O_EXCL and then renamed over.
 */
async function publish(tempFile: string, directory: string, name: string): Promise<string> {
	for (let attempt = 0; ; attempt++) {
		const target = pathInside(directory, numbered(name, attempt));
		try {
			await fs.link(tempFile, target);
			await fs.unlink(tempFile);
			return target;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'EEXIST') continue;
			if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
		}
		try {
			await (await fs.open(target, 'wx')).close();
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
			throw error;
		}
		await fs.rename(tempFile, target);
		return target;
	}
}

export interface SavedFile {
	path: string;
	size: number;
	sha256: string;
}

/**
 * Writes `content` (a stream, or bytes already in hand) into `directory` under a hidden temporary
 * name and gives it its final name only when every byte is written, so no partial file ever
 * carries the final name.
 */
export async function saveStream(content: Readable | Buffer, directory: string, name: string): Promise<SavedFile> {
	const tempFile = pathInside(directory, `.${randomBytes(8).toString('hex')}.part`);
	const hash = createHash('sha256');
	let size = 0;
	const file = createWriteStream(tempFile, { flags: 'wx', mode: 0o600 });
	try {
		await pipeline(
			Buffer.isBuffer(content) ? Readable.from([content]) : content,
			async function* (source: AsyncIterable<Buffer>) {
				for await (const chunk of source) {
					hash.update(chunk);
					size += chunk.length;
					yield chunk;
				}
			},
			file,
		);
		return { path: await publish(tempFile, directory, name), size, sha256: hash.digest('hex') };
	} finally {
		// A stream that failed before the file was open still opens (and creates) it, then closes it.
		if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
		await fs.rm(tempFile, { force: true });
	}
}
