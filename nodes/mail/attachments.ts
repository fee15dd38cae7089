import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { ImapFlow } from 'imapflow';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';
import { detectExtension } from 'nodemailer/lib/mime-funcs/mime-types';

import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { findMessages, withFolder, type MessageFilter } from './messageFilter';

/** Bytes, not characters: most file systems cap a name at 255 bytes; room is left for " (n)". */
const MAX_NAME_BYTES = 200;
const MAX_EXTENSION_BYTES = 20;
/** Attached mails inside attached mails are followed this deep; deeper ones are saved, not opened. */
const MAX_NESTING = 8;

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
 * Streams `content` into `directory` under a hidden temporary name and gives it its final name
 * only when every byte is written, so no partial file ever carries the final name.
 */
export async function saveStream(content: Readable, directory: string, name: string): Promise<SavedFile> {
	const tempFile = pathInside(directory, `.${randomBytes(8).toString('hex')}.part`);
	const hash = createHash('sha256');
	let size = 0;
	const file = createWriteStream(tempFile, { flags: 'wx', mode: 0o600 });
	try {
		await pipeline(
			content,
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

export interface SavedAttachment {
	path: string;
	filename: string;
	contentType: string;
	size: number;
	sha256: string;
	email_uid: number;
	message_id: string;
}

export interface DownloadAttachmentsOptions {
	folder: string;
	downloadPath: string;
	filter: MessageFilter;
	includeInline?: boolean;
	/** The whole call, connect to the last byte saved, ends by this (TIMEOUT); unbounded without it. */
	budget?: TimeBudget;
}

/**
 * An inline part is shown inside the body rather than attached: Content-Disposition inline, or an
 * undeclared part referenced by Content-ID from a multipart/related body (an embedded image). An
 * attached mail is never counted as inline: clients that forward "inline" still attach the
 * reported message, and it is what a SOC case needs.
 */
export function isInlinePart(part: { contentType?: string; contentDisposition?: string; related?: boolean }): boolean {
	if (part.contentType?.toLowerCase() === 'message/rfc822') return false;
	const disposition = part.contentDisposition?.toLowerCase();
	return disposition === 'inline' || (!disposition && part.related === true);
}

interface SaveContext {
	directory: string;
	includeInline: boolean;
	emailUid: number;
	messageId: string;
	saved: SavedAttachment[];
}

/**
 * Parses one message from a stream and saves its attachments one by one as they stream past;
 * attached mails (message/rfc822) are saved as .eml and their own attachments follow them,
 * labelled with the Message-ID of the mail on the server (the one `email_uid` names).
 */
async function saveAttachmentsOf(source: Readable, context: SaveContext, depth: number): Promise<void> {
	const parser = new MailParser({
		skipHtmlToText: true,
		skipTextToHtml: true,
		skipTextLinks: true,
		skipImageLinks: true,
		checksumAlgo: false,
	});
	const work: Promise<void>[] = [];
	// Attachment streams still being written: a source that fails mid-message leaves them neither
	// ended nor failed, so they are failed by hand, or their writes would wait forever.
	const unfinished = new Set<Readable>();
	parser.on('headers', (headers) => {
		const value = headers.get('message-id');
		if (depth === 0 && typeof value === 'string') context.messageId = normalizeMessageId(value);
	});
	parser.on('data', (data: AttachmentStream | MessageText) => {
		if (data.type !== 'attachment') return;
		unfinished.add(data.content);
		data.content.once('end', () => unfinished.delete(data.content));
		work.push(
			(async () => {
				try {
					if (!context.includeInline && isInlinePart(data)) {
						data.content.resume();
						await new Promise((resolve) => data.content.once('end', resolve));
						return;
					}
					const position = context.saved.length + 1;
					const contentType = data.contentType || 'application/octet-stream';
					const name = safeFileName(data.filename) || fallbackFileName(contentType, position);
					const file = await saveStream(data.content, context.directory, name);
					context.saved.push({
						path: file.path,
						filename: path.basename(file.path),
						contentType,
						size: file.size,
						sha256: file.sha256,
						email_uid: context.emailUid,
						message_id: context.messageId,
					});
					if (contentType === 'message/rfc822' && depth < MAX_NESTING) {
						await saveAttachmentsOf(createReadStream(file.path), context, depth + 1);
					}
				} finally {
					// The parser waits for this before it reads on: one attachment at a time.
					data.release?.();
				}
			})(),
		);
	});
	try {
		await pipeline(source, parser);
	} catch (error) {
		for (const content of unfinished) content.destroy(error as Error);
		throw error;
	} finally {
		// Settled before leaving, also when parsing failed, so no file is still being written.
		await Promise.allSettled(work);
	}
	await Promise.all(work);
}

/** A message whose attachments could not all be read: hostile or broken MIME. */
export interface UnreadableMessage {
	email_uid: number;
	message_id: string;
	parse_error: string;
}

export interface DownloadResult {
	attachments: SavedAttachment[];
	/** Messages the parser gave up on; the files saved before that are in `attachments`. */
	parseErrors: UnreadableMessage[];
}

/**
 * Finds the messages that match the filter in `folder` (opened read-only, so no flag changes) and
 * streams each attachment straight from the server to a file in `downloadPath`. A message the
 * parser gives up on is reported and the next one is read; a lost connection fails the whole call.
 */
export async function downloadAttachments(
	account: MailAccount,
	options: DownloadAttachmentsOptions,
): Promise<DownloadResult> {
	if (!options.downloadPath?.trim())
		throw new MailError(
			'INVALID_INPUT',
			'Download Path is empty: give the folder on the n8n host where attachments are saved.',
		);
	const directory = path.resolve(options.downloadPath.trim());
	const saved: SavedAttachment[] = [];
	const parseErrors: UnreadableMessage[] = [];
	await withImap(
		account,
		(client: ImapFlow) =>
			withFolder(client, options.folder, async () => {
				const uids = await findMessages(client, options.filter);
				if (uids.length > 0) await fs.mkdir(directory, { recursive: true });
				for (const uid of uids) {
					const { content } = await client.download(String(uid), undefined, { uid: true });
					if (!content) continue;
					const context: SaveContext = {
						directory,
						includeInline: options.includeInline ?? false,
						emailUid: uid,
						messageId: '',
						saved: [],
					};
					try {
						await saveAttachmentsOf(content, context, 0);
					} catch (error) {
						if (!client.usable) throw error;
						parseErrors.push({
							email_uid: uid,
							message_id: context.messageId,
							parse_error: (error as Error).message || String(error),
						});
					}
					saved.push(...context.saved);
				}
			}),
		options.budget,
	);
	return { attachments: saved, parseErrors };
}
