import type PostalMime from 'postal-mime';

import { normalizeMessageId } from '../addresses';
import { MailError } from '../errors';
import { attachmentBytes, htmlAsText, parseMail, type MessageFields, type ParsedMail } from '../message';
import { parseInlineForward } from './forwarded';
import { isOutlookMsg, readOutlookMsg, type MsgLimits, DEFAULT_MSG_LIMITS } from './msg';

/**
 * How a message was found: the input itself, an attached .eml / message/rfc822, an attached .msg, quoted in the
 * text.
 */
export type Via = 'root' | 'attachment' | 'msg' | 'inline';

export interface MailPart {
	filename: string;
	content_type: string;
	content: Buffer;
}

/**
 * Where a message was found and what its headers say (named as in a mail's item): read by unwrap,
 * reported as they are.
 */
export interface MessageHeading extends Pick<
	MessageFields,
	'subject' | 'from' | 'from_name' | 'to' | 'cc' | 'reply_to' | 'date' | 'message_id'
> {
	depth: number;
	via: Via;
	return_path: string;
}

/** The heading's fields of a message, without the rest. */
export function headingOf(node: MessageHeading): MessageHeading {
	const { depth, via, subject, from, from_name, to, cc, reply_to, return_path, date, message_id } = node;
	return { depth, via, subject, from, from_name, to, cc, reply_to, return_path, date, message_id };
}

/** One message found in the input, read into the fields the analysis needs. */
export interface MailNode extends MessageHeading {
	/** Every header in document order (lower-case names); empty for an inline-forwarded original. */
	headers: Array<{ key: string; value: string }>;
	text: string;
	html: string;
	attachments: MailPart[];
	/** The exact MIME bytes, for a message that came as such (root .eml, attached .eml, message/rfc822). */
	raw?: Buffer;
	/** What could not be read or was left out, in words. */
	warnings: string[];
}

export interface UnwrapOptions {
	maxDepth: number;
	/** Messages at most, all levels together. */
	maxMessages: number;
	msgLimits?: MsgLimits;
}

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

type PostalAddress = PostalMime.Address;

function addresses(list: PostalAddress | PostalAddress[] | undefined): string[] {
	const entries = Array.isArray(list) ? list : list ? [list] : [];
	return entries
		.flatMap((entry) => (entry.group ? entry.group : [entry]))
		.map((entry) => entry.address)
		.filter(Boolean);
}

/** Checks that bytes given as "the mail" are one: a clear refusal for an archive or any other file. */
export function assertMail(bytes: Buffer): void {
	if (bytes.length === 0)
		throw new MailError('INVALID_INPUT', 'The input is empty: give the bytes of an .eml or Outlook .msg file.');
	if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) {
		throw new MailError(
			'INVALID_INPUT',
			'The input is a ZIP archive, not a mail: unpack it first (e.g. with the Compression node) and ' +
				'analyse each .eml or .msg in it.',
		);
	}
	if (isOutlookMsg(bytes)) return;
	// A MIME message starts with a header line ("Name: value"), or an mbox "From " line.
	const head = bytes
		.subarray(0, 1000)
		.toString('latin1')
		.replace(/^\uFEFF|^\xEF\xBB\xBF/, '');
	if (!/^(?:From |[!-9;-~]{1,100}:)/.test(head.trimStart())) {
		throw new MailError(
			'INVALID_INPUT',
			`The input is not an .eml or Outlook .msg file (it starts with ${JSON.stringify(head.slice(0, 12))}): ` +
				`give the mail's original bytes, e.g. from Get EML File or a reported attachment.`,
		);
	}
}

/**
 * The headers of all parts together stop at 256 KB (postal-mime's default is 2 MB): what Exchange
 * allows a mail's header, more than Postfix's 100 KB, and an eighth of what a crafted mail of
 * 50,000 parts or 1 MB of folded header lines costs before it is refused.
 */
const HEADERS_LIMIT = 256 * 1024;

/** A MIME mail as the analysis reads it; `parsed` is the parse the caller already made of `bytes`, if any. */
async function readMime(bytes: Buffer, depth: number, via: Via, parsed?: ParsedMail): Promise<MailNode> {
	const node: MailNode = {
		depth,
		via,
		headers: [],
		subject: '',
		from: '',
		from_name: '',
		to: [],
		cc: [],
		reply_to: [],
		return_path: '',
		date: '',
		message_id: '',
		text: '',
		html: '',
		attachments: [],
		raw: bytes,
		warnings: [],
	};
	// Attached mails stay attachments (parseMail keeps them so): this module unwraps them itself, to its own depth.
	const { email, error } = parsed ?? (await parseMail(bytes, { maxHeadersSize: HEADERS_LIMIT }));
	if (error || !email) {
		node.warnings.push(`The mail could not be parsed: ${error}`);
		return node;
	}
	const from = addresses(email.from)[0] ?? '';
	Object.assign(node, {
		headers: email.headers.map((header) => ({ key: header.key, value: header.value })),
		subject: email.subject ?? '',
		from,
		from_name: (Array.isArray(email.from) ? undefined : email.from?.name) ?? '',
		to: addresses(email.to),
		cc: addresses(email.cc),
		reply_to: addresses(email.replyTo),
		return_path: (email.returnPath ?? '').replace(/^<|>$/g, '').trim(),
		date: email.date ?? '',
		message_id: email.messageId ? normalizeMessageId(email.messageId) : '',
		text: email.text ?? '',
		html: email.html ?? '',
		attachments: email.attachments.map((part, index) => {
			// postal-mime hands an attached mail over byte for byte, line ends included: what a DKIM
			// signature covers and an exported .eml keeps.
			const filename = part.filename ?? `attachment-${index + 1}`;
			return { filename, content_type: part.mimeType, content: attachmentBytes(part) };
		}),
	});
	return node;
}

async function readMsg(bytes: Buffer, depth: number, via: Via, limits: MsgLimits): Promise<MailNode> {
	const item = await readOutlookMsg(bytes, limits);
	// Received mail keeps its transport headers: read them as MIME headers for the authentication results.
	const head = item.headers
		? await readMime(Buffer.from(`${item.headers.replace(/(\r?\n)+$/, '')}\r\n\r\n`, 'utf8'), depth, via)
		: undefined;
	const recipients = (type: string) =>
		item.recipients
			.filter((entry) => entry.recipType === type && entry.email.includes('@'))
			.map((entry) => entry.email);
	return {
		depth,
		via,
		headers: head?.headers ?? [],
		subject: item.subject || head?.subject || '',
		// An Exchange-internal sender is a directory name, not an address: the headers know better.
		from: item.senderEmail.includes('@') ? item.senderEmail : (head?.from ?? ''),
		from_name: item.senderName || head?.from_name || '',
		to: recipients('to').length ? recipients('to') : (head?.to ?? []),
		cc: recipients('cc').length ? recipients('cc') : (head?.cc ?? []),
		reply_to: head?.reply_to ?? [],
		return_path: head?.return_path ?? '',
		date: head?.date || (item.date ? new Date(item.date).toISOString() : ''),
		message_id: head?.message_id || (item.messageId ? normalizeMessageId(item.messageId) : ''),
		text: item.body,
		html: item.bodyHtml,
		attachments: item.attachments.map((attachment) => ({
			filename: attachment.fileName,
			content_type: attachment.isMsg ? 'application/vnd.ms-outlook' : 'application/octet-stream',
			content: attachmentBytes(attachment),
		})),
		warnings: [],
	};
}

/** Reads any mail: an Outlook .msg by its signature, MIME otherwise. */
export async function readMail(
	bytes: Buffer,
	depth: number,
	via: Via,
	limits: MsgLimits = DEFAULT_MSG_LIMITS,
	parsed?: ParsedMail,
): Promise<MailNode> {
	return isOutlookMsg(bytes) ? await readMsg(bytes, depth, via, limits) : await readMime(bytes, depth, via, parsed);
}

/** Whether an attachment is a mail to unwrap, and as what. */
function attachedMail(part: MailPart): 'attachment' | 'msg' | undefined {
	if (
		isOutlookMsg(part.content) &&
		(/\.msg$/i.test(part.filename) || part.content_type === 'application/vnd.ms-outlook')
	)
		return 'msg';
	if (part.content_type === 'message/rfc822' || part.content_type === 'message/global') return 'attachment';
	if (/\.eml$/i.test(part.filename) && !isOutlookMsg(part.content)) return 'attachment';
	return undefined;
}

/**
 * The part of a forward's HTML that quotes the original: from the first mention of the original's
 * sender (its From line) on, so that the forwarder's note and its links stay the forwarder's. The
 * whole HTML when the sender is not written in it.
 */
function quotedHtml(html: string, sender: string | undefined): string {
	if (!html || !sender) return html;
	const at = html.toLowerCase().indexOf(sender.toLowerCase());
	if (at === -1) return html;
	// From the tag the mention is in (a mailto link) or follows, so that no tag is cut in half.
	const tag = html.lastIndexOf('<', at);
	return html.slice(tag === -1 ? at : tag);
}

/** The original quoted in a forward's text, as a message of its own (no headers, no bytes). */
function inlineOriginal(parent: MailNode): MailNode | undefined {
	const text = parent.text || (parent.html ? htmlAsText(parent.html) : '');
	const forward = parseInlineForward(text, parent.subject);
	if (!forward) return undefined;
	return {
		depth: parent.depth + 1,
		via: 'inline',
		headers: [],
		subject: forward.subject,
		from: forward.from?.address ?? '',
		from_name: forward.from?.name ?? '',
		to: forward.to,
		cc: forward.cc,
		reply_to: forward.reply_to,
		return_path: '',
		date: forward.date,
		message_id: '',
		text: forward.body,
		// Clients forward as HTML too, and only the HTML keeps a link's target beside its text: the
		// original's links are read from the forward's HTML, from its quoted header block on.
		html: quotedHtml(parent.html, forward.from?.address),
		// A client forwarding inline carries the original's attachments as its own.
		attachments: parent.attachments.filter((part) => !attachedMail(part)),
		warnings: [],
	};
}

/**
 * Every message in the input, outermost first (depth-first): attached .eml / message/rfc822 and
 * .msg files, and, for a message with none, an original forwarded inline. The input's own parse is
 * taken when the caller already made it (the trigger has). Stops at `maxDepth`
 * levels and `maxMessages` messages, saying so in the warnings of the message where it stopped.
 */
export async function unwrap(input: Buffer | ParsedMail, options: UnwrapOptions): Promise<MailNode[]> {
	const limits = options.msgLimits ?? DEFAULT_MSG_LIMITS;
	const [bytes, parsed] = Buffer.isBuffer(input) ? [input, undefined] : [input.source, input];
	assertMail(bytes);
	const root = await readMail(bytes, 0, 'root', limits, parsed);
	const found: MailNode[] = [];
	const visit = async (node: MailNode) => {
		found.push(node);
		const attached = node.attachments.filter((part) => attachedMail(part));
		const inline = attached.length === 0 ? inlineOriginal(node) : undefined;
		const pending = attached.length + (inline ? 1 : 0);
		if (pending === 0) return;
		if (node.depth >= options.maxDepth) {
			node.warnings.push(
				`Max Depth (${options.maxDepth}) reached: ${pending} mail(s) inside this one were not unwrapped.`,
			);
			return;
		}
		if (inline) return await visit(inline);
		for (const part of attached) {
			if (found.length >= options.maxMessages) {
				node.warnings.push(
					`${options.maxMessages} messages unwrapped, the most one analysis reads: "${part.filename}" ` +
						`and any further ones were not.`,
				);
				return;
			}
			try {
				await visit(await readMail(part.content, node.depth + 1, attachedMail(part) as Via, limits));
			} catch (error) {
				node.warnings.push(`"${part.filename}" was not unwrapped: ${(error as Error).message}`);
			}
		}
	};
	await visit(root);
	return found;
}
