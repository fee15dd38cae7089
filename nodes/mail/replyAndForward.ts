import type { MailAccount } from './account';
import { isValidAddress, normalizeAddress, normalizeMessageId } from './addresses';
import { getOriginalMessage, type MessagePick } from './pickMail';
import { MailError } from './errors';
import { parseMessage, type MessageAttachment, type MessageFields } from './message';
import { sendMail, type OutgoingAttachment, type OutgoingMail, type SendResult } from './send';

/*
 * Replies and forwards of a mail in the mailbox, threaded as mail clients do (RFC 5322 3.6.4):
 * In-Reply-To is the original's Message-ID, References its References plus that ID. The original
 * is quoted as text, also in HTML mail: it is often the very phishing mail being handled, and its
 * HTML (live links, remote images) has no place in a SOC's answer.
 */

/** The original as the composer needs it: its fields, attachments and the server's bytes. */
export interface Original {
	fields: MessageFields;
	attachments: MessageAttachment[];
	source: Buffer;
}

interface Composed {
	contentType?: 'html' | 'text';
	content: string;
}

// Reply prefixes of common clients in several languages (Re, AW, SV, Antw, Odp, RES).
const REPLY_PREFIX = /^\s*(?:re|aw|sv|antw|odp|res)(?:\[\d+\])?\s*:\s*/i;
const FORWARD_PREFIX = /^\s*(?:fwd?|fw|wg|tr|rv)\s*:\s*/i;

function withPrefix(prefix: string, subject: string, existing: RegExp): string {
	let rest = subject.trim();
	while (existing.test(rest)) rest = rest.replace(existing, '');
	return `${prefix}${rest}`;
}

/** `Re: ` exactly once, whatever prefixes the subject already carries. */
export function replySubject(subject: string): string {
	return withPrefix('Re: ', subject, REPLY_PREFIX);
}

/** `Fwd: ` exactly once. */
export function forwardSubject(subject: string): string {
	return withPrefix('Fwd: ', subject, FORWARD_PREFIX);
}

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sender(fields: MessageFields): string {
	return fields.from_name ? `${fields.from_name} <${fields.from}>` : fields.from;
}

function when(fields: MessageFields): string {
	return fields.date ? new Date(fields.date).toUTCString() : 'an unknown date';
}

/** The user's text above the original, in the chosen content type. */
function above(composed: Composed, heading: string, original: string, asQuote: boolean): string {
	if ((composed.contentType ?? 'html') === 'text') {
		const body = asQuote
			? original
					.split(/\r?\n/)
					.map((line) => (line ? `> ${line}` : '>'))
					.join('\n')
			: original;
		return `${composed.content}\n\n${heading}\n${body}`;
	}
	const body = escapeHtml(original).replace(/\r?\n/g, '<br>\n');
	const block = asQuote
		? `<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${body}</blockquote>`
		: `<div>${body}</div>`;
	return `${composed.content}<br><br>\n<div>${escapeHtml(heading).replace(/\n/g, '<br>\n')}</div>\n${block}`;
}

export interface ReplyOptions extends Composed {
	replyAll?: boolean;
	cc?: string;
	bcc?: string;
	fromName?: string;
	quoteOriginal?: boolean;
	attachments?: OutgoingAttachment[];
}

/** The mailbox's own addresses, left out of a reply-all. */
function ownAddresses(account: MailAccount): Set<string> {
	return new Set(
		[account.emailAddress, account.username]
			.filter((value) => value && isValidAddress(value.trim()))
			.map(normalizeAddress),
	);
}

/**
 * A reply to `original`: to Reply-To, else From; with `replyAll` also to its To and Cc, without
 * the mailbox's own addresses and without any address twice. Addresses the original carries that
 * are not valid are left out of reply-all rather than failing the reply.
 */
export function buildReply(account: MailAccount, original: MessageFields, options: ReplyOptions): OutgoingMail {
	const own = ownAddresses(account);
	const seen = new Set<string>();
	const take = (list: string[], dropOwn: boolean) =>
		list.filter((address) => {
			const key = normalizeAddress(address);
			if (!isValidAddress(address) || seen.has(key) || (dropOwn && own.has(key))) return false;
			seen.add(key);
			return true;
		});
	const primary = original.reply_to.length ? original.reply_to : original.from ? [original.from] : [];
	// A reply to the mailbox's own mail (e.g. in Sent) goes to the original recipients, as clients
	// do; one it sent to itself goes back to itself.
	const toSelf = primary.every((address) => own.has(normalizeAddress(address)));
	const recipients = toSelf ? take(original.to, true) : [];
	const to = recipients.length ? recipients : take(primary, false);
	if (options.replyAll) to.push(...take(original.to, true));
	const cc = options.replyAll ? take(original.cc, true) : [];
	if (to.length === 0) {
		throw new MailError(
			'INVALID_INPUT',
			'The mail has no valid From or Reply-To address to reply to: use Send Email with the recipients ' +
				'written out.',
		);
	}
	const references = original.references.length
		? original.references
		: original.in_reply_to
			? [original.in_reply_to]
			: [];
	const quote = options.quoteOriginal ?? true;
	return {
		recipients: to.join(', '),
		cc: [...cc, ...(options.cc ? [options.cc] : [])].join(', '),
		bcc: options.bcc,
		subject: replySubject(original.subject),
		content: quote
			? above(options, `On ${when(original)}, ${sender(original)} wrote:`, original.body, true)
			: options.content,
		contentType: options.contentType,
		attachments: options.attachments,
		fromName: options.fromName,
		inReplyTo: original.message_id || undefined,
		references: original.message_id ? references : [],
	};
}

export interface ForwardOptions extends Composed {
	recipients: string;
	cc?: string;
	bcc?: string;
	/** The original as a message/rfc822 attachment (default), or quoted inline with its attachments. */
	asAttachment?: boolean;
}

/** A file name for the attached original: its subject, made safe, or its Message-ID. */
function attachedName(fields: MessageFields): string {
	const base = (fields.subject || fields.message_id.replace(/^<|>$/g, '') || 'message')
		.replace(/[\\/:*?"<>|\x00-\x1f\x7f]+/g, '_')
		.trim()
		.slice(0, 100);
	return `${base || 'message'}.eml`;
}

/**
 * A forward of `original`: as an attachment it carries the server's exact bytes as a
 * message/rfc822 part (mail clients open it as the mail itself, headers and all); inline it quotes
 * the headers as mail clients do (which the trigger's forwarded-mail rules read back) and carries
 * the original's attachments along.
 */
export function buildForward(original: Original, options: ForwardOptions): OutgoingMail {
	const fields = original.fields;
	const common = {
		recipients: options.recipients,
		cc: options.cc,
		bcc: options.bcc,
		subject: forwardSubject(fields.subject),
		contentType: options.contentType,
	};
	if (options.asAttachment ?? true) {
		return {
			...common,
			content: options.content,
			attachments: [
				{
					filename: attachedName(fields),
					content: original.source,
					contentType: 'message/rfc822',
					contentDisposition: 'attachment',
				},
			],
		};
	}
	const heading = [
		'---------- Forwarded message ---------',
		`From: ${sender(fields)}`,
		`Date: ${when(fields)}`,
		`Subject: ${fields.subject}`,
		`To: ${fields.to.join(', ')}`,
		...(fields.cc.length ? [`Cc: ${fields.cc.join(', ')}`] : []),
		'',
	].join('\n');
	return {
		...common,
		content: above(options, heading, fields.body, false),
		attachments: original.attachments.map(({ filename, content, contentType }) => ({ filename, content, contentType })),
	};
}

/** Reads the picked mail (PEEK: its flags stay as they are); null when it is not there. */
export async function readOriginal(account: MailAccount, pick: MessagePick): Promise<Original | null> {
	const message = await getOriginalMessage(account, pick);
	if (!message) return null;
	const parsed = await parseMessage(message.source, {
		uid: message.uid,
		uidValidity: '',
		folder: message.folder,
		flags: [],
	});
	return { fields: parsed.fields, attachments: parsed.attachments, source: message.source };
}

export type RespondResult =
	| (SendResult & { found: true })
	| { found: false; is_success: false; message_id: string; accepted: string[]; rejected: string[] };

function notFound(): RespondResult {
	return { found: false, is_success: false, message_id: '', accepted: [], rejected: [] };
}

export async function replyToMessage(
	account: MailAccount,
	pick: MessagePick,
	options: ReplyOptions,
): Promise<RespondResult & { in_reply_to: string }> {
	const original = await readOriginal(account, pick);
	const asked = pick.messageId?.trim() ? normalizeMessageId(pick.messageId) : '';
	if (!original) return { ...notFound(), in_reply_to: asked };
	const result = await sendMail(account, buildReply(account, original.fields, options));
	return { found: true, ...result, in_reply_to: original.fields.message_id };
}

export async function forwardMessage(
	account: MailAccount,
	pick: MessagePick,
	options: ForwardOptions,
): Promise<RespondResult> {
	const original = await readOriginal(account, pick);
	if (!original) return notFound();
	return { found: true, ...(await sendMail(account, buildForward(original, options))) };
}
