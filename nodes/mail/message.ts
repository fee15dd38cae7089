import { createHash } from 'node:crypto';

import { convert as htmlToText } from 'html-to-text';
import { LinkifyIt } from 'linkify-it';
import PostalMime from 'postal-mime';

import { normalizeMessageId } from './addresses';
import { safeFileName } from './files';
import './postalMimeDecoderPatch';

/** Where a message was read from: what the server says about it besides its bytes. */
export interface MessageOrigin {
	uid: number;
	uidValidity: string;
	folder: string;
	flags: string[];
	/** INTERNALDATE: when the server received the message. */
	internalDate?: Date;
}

export interface AttachmentInfo {
	filename: string;
	contentType: string;
	size: number;
	md5: string;
	sha256: string;
}

export interface MessageAttachment extends AttachmentInfo {
	content: Buffer;
}

export interface MessageFields {
	subject: string;
	from: string;
	/** The display name of From ("PayPal Security"); '' without one. */
	from_name: string;
	to: string[];
	cc: string[];
	reply_to: string[];
	date: string;
	email_time: number;
	received_date: string;
	body: string;
	html_body: string;
	message_id: string;
	in_reply_to: string;
	references: string[];
	email_uid: number;
	uid_validity: string;
	folder: string;
	flags: string[];
	headers: Record<string, string | string[]>;
	attachments: AttachmentInfo[];
	urls: string[];
	/** The headers a trigger's Headers To Extract names: value, several values, or null when absent. */
	extra_headers?: Record<string, string | string[] | null>;
	parse_error?: string;
}

export interface ParsedMessage {
	fields: MessageFields;
	attachments: MessageAttachment[];
}

/** Headers a SOC analyst reads to judge where a mail came from; the rest stay in the .eml. */
export const SELECTED_HEADERS = [
	'return-path',
	'received',
	'authentication-results',
	'received-spf',
	'dkim-signature',
	'arc-authentication-results',
	'x-originating-ip',
	'x-sender-ip',
	'x-mailer',
	'user-agent',
	'x-spam-status',
	'x-spam-score',
	'list-unsubscribe',
	'content-type',
];
const SELECTED = new Set(SELECTED_HEADERS);

// Only links written with a scheme: a bare "x.org" or address is too often a name, not a link.
// Credentials before the host are kept in the link: "https://bank.test@evil.test/" goes to evil.test.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, urlAuth: true });

type PostalAddress = PostalMime.Address;

function flatAddresses(list: PostalAddress | PostalAddress[] | undefined): PostalMime.Mailbox[] {
	const entries = Array.isArray(list) ? list : list ? [list] : [];
	return entries.flatMap((entry) => (entry.group ? entry.group : [entry]));
}

function addressList(list: PostalAddress | PostalAddress[] | undefined): string[] {
	return flatAddresses(list)
		.map((entry) => entry.address)
		.filter(Boolean);
}

function validDate(value: string | undefined): Date | undefined {
	if (!value) return undefined;
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The last texts scanned for links, with what was found. The trigger's item and its analysis scan the
 * same text part one after the other, and linkify-it's link validation is the costliest step of both:
 * the second scan is a lookup. Two entries, so at most two bodies are held past their mail.
 */
const recentScans = new Map<string, string[]>();

function linksIn(text: string): string[] {
	const known = recentScans.get(text);
	if (known) return known;
	const found = (linkify.match(text) ?? []).map((match) => match.url);
	if (recentScans.size >= 2) recentScans.delete(recentScans.keys().next().value as string);
	recentScans.set(text, found);
	return found;
}

/** Every URL in the text and HTML bodies, each once, in order of appearance. */
export function findUrls(...texts: string[]): string[] {
	const urls = new Set<string>();
	for (const text of texts) if (text) for (const url of linksIn(text)) urls.add(url);
	return [...urls];
}

/**
 * HTML rendered as text. html-to-text walks the element tree recursively, so hostile HTML nested
 * some ten thousand levels deep overflows the stack: such a body falls back to its text with the
 * tags taken out, rather than failing the whole message.
 */
export function htmlAsText(html: string): string {
	try {
		return htmlToText(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
	} catch {
		return html
			.replace(/<[^>]*>/g, ' ')
			.replace(/[ \t]+/g, ' ')
			.trim();
	}
}

/** The bytes of an attachment as a parser gives them, as a Buffer over the same memory where it can. */
export function attachmentBytes(part: { content: ArrayBuffer | ArrayBufferView | string; encoding?: string }): Buffer {
	const { content } = part;
	if (typeof content === 'string') return Buffer.from(content, part.encoding === 'base64' ? 'base64' : 'utf8');
	return ArrayBuffer.isView(content)
		? Buffer.from(content.buffer, content.byteOffset, content.byteLength)
		: Buffer.from(content);
}

function hashes(content: Buffer) {
	return {
		md5: createHash('md5').update(content).digest('hex'),
		sha256: createHash('sha256').update(content).digest('hex'),
	};
}

const EXTENSIONS: Record<string, string> = {
	'application/pdf': 'pdf',
	'application/zip': 'zip',
	'message/rfc822': 'eml',
	'text/plain': 'txt',
	'text/html': 'html',
	'text/calendar': 'ics',
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/gif': 'gif',
};

/**
 * The name as a plain file name (no path, no control characters such as NUL, which also break
 * n8n's database); a part without one gets a name from its type, so every binary has a usable name.
 */
function attachmentName(filename: string | null, contentType: string, index: number): string {
	return safeFileName(filename ?? undefined) || `attachment-${index + 1}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

function selectedHeaders(
	headers: PostalMime.Header[],
	wanted: Set<string> = SELECTED,
): Record<string, string | string[]> {
	const selected: Record<string, string | string[]> = {};
	for (const header of headers) {
		if (!wanted.has(header.key)) continue;
		const existing = selected[header.key];
		if (existing === undefined) selected[header.key] = header.value;
		else selected[header.key] = Array.isArray(existing) ? [...existing, header.value] : [existing, header.value];
	}
	return selected;
}

function splitIds(value: string | undefined): string[] {
	return (value ?? '').match(/<[^<>\s]+>/g) ?? [];
}

/**
 * One mail, parsed once: the trigger's item, Analyze Email and reply detection all read this. An
 * attached mail (message/rfc822) is always an attachment, never rendered into the text: the
 * analysis unwraps it, the item lists and hashes it like any other file.
 */
export interface ParsedMail {
	source: Buffer;
	/** The whole mail; its header block alone when the body could not be parsed; none when neither could. */
	email?: PostalMime.Email;
	/** Why the whole mail could not be parsed. */
	error?: string;
}

type PostalMimeResult = { email?: PostalMime.Email; error?: string };

async function postalMime(source: Buffer, maxHeadersSize?: number): Promise<PostalMimeResult> {
	// postal-mime copies any view into an ArrayBuffer of its own. A Buffer that spans its whole
	// ArrayBuffer (as imapflow's message sources above 4 KB do) is handed over as that, uncopied:
	// postal-mime only reads it.
	const whole =
		source.buffer instanceof ArrayBuffer && source.byteOffset === 0 && source.byteLength === source.buffer.byteLength;
	const input = whole ? (source.buffer as ArrayBuffer) : source;
	try {
		const options = { forceRfc822Attachments: true, ...(maxHeadersSize ? { maxHeadersSize } : {}) };
		return { email: await PostalMime.parse(input, options) };
	} catch (error) {
		return { error: (error as Error).message || String(error) };
	}
}

/** Parses a mail; never throws: a mail that cannot be parsed whole keeps what its header block says. */
export async function parseMail(source: Buffer, options: { maxHeadersSize?: number } = {}): Promise<ParsedMail> {
	const { email, error } = await postalMime(source, options.maxHeadersSize);
	if (email) return { source, email };
	// The header block alone, with room for all of it: postal-mime counts each header line as at
	// least 64 bytes, so a block of short folded lines can exceed the limit that refused the mail.
	const head = headerBlock(source);
	const fromHead = await postalMime(head, Math.max(options.maxHeadersSize ?? 0, 64 * head.length));
	return { source, email: fromHead.email, error };
}

/** The header block alone, for a message whose body cannot be parsed. */
function headerBlock(source: Buffer): Buffer {
	const end = source.indexOf('\r\n\r\n');
	const endLf = source.indexOf('\n\n');
	const cut = [end, endLf].filter((index) => index >= 0);
	return cut.length ? source.subarray(0, Math.min(...cut) + 2) : source;
}

/**
 * The server's bytes, or the parse already made of them -> the trigger item's fields (MessageFields).
 * Never throws for a bad message: what could not be read is left empty and `parse_error` says why, so
 * the mail is still emitted.
 * A missing or unreadable Date header falls back to the server's arrival time.
 */
export async function parseMessage(
	mail: Buffer | ParsedMail,
	origin: MessageOrigin,
	options: { extraHeaders?: string[] } = {},
): Promise<ParsedMessage> {
	const { email, error } = Buffer.isBuffer(mail) ? await parseMail(mail) : mail;

	const received =
		origin.internalDate && !Number.isNaN(origin.internalDate.getTime()) ? origin.internalDate : undefined;
	const date = validDate(email?.date) ?? received;
	const text = email?.text ?? '';
	const html = email?.html ?? '';
	const from = flatAddresses(email?.from)[0];

	const attachments = (error ? [] : (email?.attachments ?? [])).map((part, index): MessageAttachment => {
		const content = attachmentBytes(part);
		const info: AttachmentInfo = {
			filename: attachmentName(part.filename, part.mimeType, index),
			contentType: part.mimeType,
			size: content.length,
			...hashes(content),
		};
		return { ...info, content };
	});

	const fields: MessageFields = {
		subject: email?.subject ?? '',
		from: from?.address ?? '',
		from_name: from?.name ?? '',
		to: addressList(email?.to),
		cc: addressList(email?.cc),
		reply_to: addressList(email?.replyTo),
		date: date ? date.toISOString() : '',
		email_time: date ? date.getTime() : 0,
		received_date: received ? received.toISOString() : '',
		// Rendering HTML is the costly part of a parse: only when there is no text part.
		body: text || (html ? htmlAsText(html) : ''),
		html_body: html,
		message_id: email?.messageId ? normalizeMessageId(email.messageId) : '',
		in_reply_to: splitIds(email?.inReplyTo)[0] ?? '',
		references: splitIds(email?.references),
		email_uid: origin.uid,
		uid_validity: origin.uidValidity,
		folder: origin.folder,
		flags: origin.flags,
		headers: selectedHeaders(email?.headers ?? []),
		attachments: attachments.map(({ filename, contentType, size, md5, sha256 }) => ({
			filename,
			contentType,
			size,
			md5,
			sha256,
		})),
		urls: findUrls(text, html),
	};
	if (options.extraHeaders?.length) {
		// Keyed as the trigger's Headers To Extract spells them; postal-mime's keys are lower-case.
		const found = selectedHeaders(
			email?.headers ?? [],
			new Set(options.extraHeaders.map((name) => name.toLowerCase())),
		);
		fields.extra_headers = Object.fromEntries(
			options.extraHeaders.map((name) => [name, found[name.toLowerCase()] ?? null]),
		);
	}
	if (error) fields.parse_error = error;
	return { fields, attachments };
}
