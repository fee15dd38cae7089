/**
 * Download Attachments: the attachments of the mails a filter finds, each written to a file, read from
 * the one postal-mime parse of each mail (docs/DESIGN.md, "One parse per mail").
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

import type { ImapFlow, MessageStructureObject } from 'imapflow';
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types';
import type PostalMime from 'postal-mime';

import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { fallbackFileName, safeFileName, saveStream } from './files';
import { attachmentBytes, parseMail } from './message';
import { findMessages, withFolder, type MessageFilter } from './messageFilter';

/** Attached mails inside attached mails are followed this deep; deeper ones are saved, not opened. */
const MAX_NESTING = 8;
/**
 * Mails up to this size are read whole and parsed once, holding about 2.5 times their size while
 * their files are written; bigger ones stream part by part (`streamAttachmentsOf`).
 */
export const WHOLE_MAIL_LIMIT_BYTES = 25 * 1024 * 1024;

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
	/** Mails up to this size are parsed whole, bigger ones streamed part by part (`WHOLE_MAIL_LIMIT_BYTES`). */
	wholeMailLimitBytes?: number;
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

/**
 * The part's declared type; one declared only as application/octet-stream gets the type its file
 * name's extension says (a.txt: text/plain), as mail clients show it.
 */
function contentTypeOf(declared: string | undefined, filename: string | null | undefined): string {
	const type = declared?.toLowerCase() || 'application/octet-stream';
	return type === 'application/octet-stream' && filename ? detectMimeType(filename) : type;
}

interface SaveContext {
	directory: string;
	includeInline: boolean;
	emailUid: number;
	/** The Message-ID of the mail on the server (the one `emailUid` names), also for its attached mails' files. */
	messageId: string;
	/** This mail's files, in order: an unnamed one is named by its place here (`attachment-3.pdf`). */
	saved: SavedAttachment[];
	wholeMailLimit: number;
	/** What could not be read, in words: attached mails the parser gave up on. */
	problems: string[];
}

/** Writes one attachment under `name` (or a free variant of it) and lists it. */
async function saveFile(
	content: Readable | Buffer,
	name: string,
	contentType: string,
	context: SaveContext,
): Promise<SavedAttachment> {
	const file = await saveStream(content, context.directory, name);
	const saved: SavedAttachment = {
		path: file.path,
		filename: path.basename(file.path),
		contentType,
		size: file.size,
		sha256: file.sha256,
		email_uid: context.emailUid,
		message_id: context.messageId,
	};
	context.saved.push(saved);
	return saved;
}

/**
 * Saves the attachments of one parsed mail in document order; an attached mail (message/rfc822) is
 * saved as .eml, then parsed once and its own attachments follow it.
 */
async function saveAttachmentsOf(email: PostalMime.Email, context: SaveContext, depth: number): Promise<void> {
	for (const part of email.attachments) {
		const contentType = contentTypeOf(part.mimeType, part.filename);
		const inline = isInlinePart({
			contentType,
			contentDisposition: part.disposition ?? undefined,
			related: part.related,
		});
		if (inline && !context.includeInline) continue;
		const content = attachmentBytes(part);
		const name = safeFileName(part.filename ?? undefined) || fallbackFileName(contentType, context.saved.length + 1);
		const saved = await saveFile(content, name, contentType, context);
		if (contentType === 'message/rfc822' && depth < MAX_NESTING)
			await saveAttachmentsOfMail(content, saved.filename, context, depth + 1);
	}
}

/** Parses an attached mail (once) and saves its attachments after it. */
async function saveAttachmentsOfMail(source: Buffer, filename: string, context: SaveContext, depth: number) {
	const attached = await parseMail(source);
	if (attached.error) context.problems.push(`attached mail "${filename}": ${attached.error}`);
	else if (attached.email) await saveAttachmentsOf(attached.email, context, depth);
}

/**
 * The attachments of a mail too large to hold, written as they stream from the server. Its parts are
 * listed from the server's BODYSTRUCTURE (imapflow reads it and decodes the names), and each
 * attachment is one `download` of that part, its transfer encoding undone: no parse on this side.
 * The same parts count as in a parse: all but the text and HTML bodies, and an attached mail is
 * saved as .eml with its own attachments after it.
 */
async function streamAttachmentsOf(
	client: ImapFlow,
	node: MessageStructureObject,
	context: SaveContext,
	depth: number,
	inRelated = false,
): Promise<void> {
	const contentType = node.type.toLowerCase();
	if (node.childNodes && contentType.startsWith('multipart/')) {
		for (const child of node.childNodes)
			await streamAttachmentsOf(client, child, context, depth, inRelated || contentType === 'multipart/related');
		return;
	}
	const disposition = node.disposition?.toLowerCase();
	if ((contentType === 'text/plain' || contentType === 'text/html') && disposition !== 'attachment') return;
	const filename = node.dispositionParameters?.filename ?? node.parameters?.name;
	const shownType = contentTypeOf(contentType, filename);
	const related = inRelated && Boolean(node.id);
	if (!context.includeInline && isInlinePart({ contentType: shownType, contentDisposition: disposition, related }))
		return;
	// A mail of one part has no part number of its own: its body is part 1.
	const { content } = await client.download(String(context.emailUid), node.part ?? '1', {
		uid: true,
		decodeText: false,
	});
	if (!content) return;
	const name = safeFileName(filename) || fallbackFileName(shownType, context.saved.length + 1);
	const saved = await saveFile(content, name, shownType, context);
	if (shownType !== 'message/rfc822' || depth >= MAX_NESTING) return;
	// The server sees into an attached mail only when it is not transfer-encoded (base64 or
	// quoted-printable hide its parts): such a mail is read from its file instead.
	const attached = node.childNodes?.[0];
	const plain = !node.encoding || /^(7bit|8bit|binary)$/i.test(node.encoding);
	if (attached && plain) {
		// The body of an attached mail of one part is part "<its part>.1" (RFC 3501 6.4.5); imapflow
		// numbers it as the attached mail itself.
		const body = /^multipart\//i.test(attached.type) ? attached : { ...attached, part: `${node.part ?? '1'}.1` };
		return streamAttachmentsOf(client, body, context, depth + 1);
	}
	if (saved.size > context.wholeMailLimit)
		context.problems.push(`attached mail "${saved.filename}" is encoded and too large to read for its attachments`);
	else await saveAttachmentsOfMail(await fs.readFile(saved.path), saved.filename, context, depth + 1);
}

/**
 * Saves the attachments of the mail `uid` names, of `size` bytes: parsed whole, or streamed when it is
 * too large to hold. One FETCH either way before the attachments' own downloads.
 */
async function saveAttachmentsOfUid(client: ImapFlow, uid: number, size: number, context: SaveContext): Promise<void> {
	if (size > context.wholeMailLimit) {
		const head = await client.fetchOne(String(uid), { envelope: true, bodyStructure: true }, { uid: true });
		if (head && head.envelope?.messageId) context.messageId = normalizeMessageId(head.envelope.messageId);
		if (head && head.bodyStructure) await streamAttachmentsOf(client, head.bodyStructure, context, 0);
		return;
	}
	const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
	if (!message || !message.source) return;
	const parsed = await parseMail(message.source);
	if (parsed.email?.messageId) context.messageId = normalizeMessageId(parsed.email.messageId);
	if (parsed.error) context.problems.push(parsed.error);
	else if (parsed.email) await saveAttachmentsOf(parsed.email, context, 0);
}

/** A message whose attachments could not all be read: hostile, broken or too large. */
export interface UnreadableMessage {
	email_uid: number;
	message_id: string;
	parse_error: string;
}

export interface DownloadResult {
	attachments: SavedAttachment[];
	/** Messages not read whole; the files saved from them are in `attachments`. */
	parseErrors: UnreadableMessage[];
}

/**
 * Finds the messages that match the filter in `folder` (opened read-only, so no flag changes), reads
 * each one (BODY.PEEK) and writes each of its attachments to a file in `downloadPath`. A message
 * the parser gives up on, or one above the size limit, is reported and the next one is read; a lost
 * connection fails the whole call.
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
	const wholeMailLimit = options.wholeMailLimitBytes ?? WHOLE_MAIL_LIMIT_BYTES;
	const saved: SavedAttachment[] = [];
	const parseErrors: UnreadableMessage[] = [];
	await withImap(
		account,
		(client: ImapFlow) =>
			withFolder(client, options.folder, async () => {
				const uids = await findMessages(client, options.filter);
				if (uids.length === 0) return;
				await fs.mkdir(directory, { recursive: true });
				// Every size in one FETCH: it decides how each mail is read. A mail gone since the SEARCH has none.
				const sizes = new Map<number, number>();
				for await (const message of client.fetch(uids.join(','), { size: true }, { uid: true }))
					sizes.set(message.uid, message.size ?? 0);
				for (const uid of uids) {
					const size = sizes.get(uid);
					if (size === undefined) continue;
					const context: SaveContext = {
						directory,
						includeInline: options.includeInline ?? false,
						emailUid: uid,
						messageId: '',
						saved: [],
						wholeMailLimit,
						problems: [],
					};
					await saveAttachmentsOfUid(client, uid, size, context);
					saved.push(...context.saved);
					if (context.problems.length)
						parseErrors.push({
							email_uid: uid,
							message_id: context.messageId,
							parse_error: context.problems.join('; '),
						});
				}
			}),
		options.budget,
	);
	return { attachments: saved, parseErrors };
}
