import type PostalMime from 'postal-mime';
import { RE2JS } from 're2js';

import { normalizeAddress, normalizeMessageId } from '../addresses';
import { MailError } from '../errors';
import { htmlAsText, parseMail } from '../message';
import { splitReply } from './splitReply';

/** What makes a message a reply worth returning. */
export interface ReplyCriteria {
	/** Message-ID of the question, with or without `<>`. */
	messageId: string;
	/** Addresses whose replies count; empty = any sender. */
	recipients: string[];
	exclusionSubjectRegex?: string;
	exclusionBodyRegex?: string;
}

/**
 * A reply in the output shape of Send Email and Wait and Wait for Reply. The field names are those of
 * the integration this package replaces, so that workflows ported from it run unchanged; that is why
 * `in_replay_to` (sic) stands beside `in_reply_to`. Saved workflows read both: neither is renamed.
 */
export interface ReplyFields {
	body: string;
	plaintext_body: string;
	html_body: string;
	answer: string;
	reply_text: string;
	subject: string;
	sender: string;
	to: string;
	cc: string;
	bcc: string;
	receivers: string[];
	names: Record<string, string>;
	reply_to: string;
	message_id: string;
	in_replay_to: string;
	in_reply_to: string;
	references: string[];
	date: string;
	timestamp: number | null;
	received_date: string;
	received_timestamp: number | null;
	content_type: string;
	charset: string;
	email_uid: number;
	folder: string;
	raw: string;
}

/** Where a candidate message was found on the server. */
export interface StoredReply {
	source: Buffer;
	uid: number;
	folder: string;
	internalDate?: Date;
}

/** A user's exclusion regex, compiled for linear-time matching anywhere in the text (not anchored). */
export function compileExclusion(pattern: string | undefined, field: string): RE2JS | undefined {
	if (!pattern || !pattern.trim()) return undefined;
	try {
		return RE2JS.compile(pattern);
	} catch (error) {
		throw new MailError(
			'INVALID_INPUT',
			`${field} is not a valid regular expression (${(error as Error).message}): fix the ` +
				`pattern (RE2 syntax; no lookaround or backreferences).`,
		);
	}
}

/** `{{approve}}` -> "approve": the replaced integration's convention for a machine-readable answer. */
export function braceAnswer(text: string): string | undefined {
	const match = /\{\{([^{}]*)\}\}/.exec(text);
	return match ? match[1].trim() : undefined;
}

/** `answer`: the first `{{…}}` of the reply, else its first non-empty line; quoted history never counts. */
export function extractAnswer(text: string): { answer: string; replyText: string } {
	const { replyText, visible } = splitReply(text);
	const braced = braceAnswer(replyText);
	if (braced !== undefined) return { answer: braced, replyText };
	const firstLine =
		visible
			.split('\n')
			.map((line) => line.trim())
			.find(Boolean) ?? '';
	return { answer: firstLine, replyText };
}

type PostalAddress = PostalMime.Address;

/** Every mailbox of an address header, groups opened, each with its display name. */
function flatAddresses(field: PostalAddress | PostalAddress[] | undefined): Array<{ address: string; name: string }> {
	const entries = Array.isArray(field) ? field : field ? [field] : [];
	return entries
		.flatMap((entry) => (entry.group ? entry.group : [entry]))
		.filter((entry) => entry.address)
		.map((entry) => ({ address: entry.address, name: entry.name ?? '' }));
}

function utcText(date: Date | undefined): string {
	return date && !Number.isNaN(date.getTime()) ? date.toISOString().replace('T', ' ').slice(0, 19) : '';
}

function unixSeconds(date: Date | undefined): number | null {
	return date && !Number.isNaN(date.getTime()) ? Math.floor(date.getTime() / 1000) : null;
}

/** Message-IDs of In-Reply-To and References, each as `<id>`. */
export function threadIds(parsed: { inReplyTo?: string | string[]; references?: string | string[] }): {
	inReplyTo: string[];
	references: string[];
} {
	const ids = (value: string | string[] | undefined) =>
		(Array.isArray(value) ? value : value ? [value] : [])
			.flatMap((entry) => entry.match(/<[^<>\s]+>/g) ?? (entry.trim() ? [entry.trim()] : []))
			.map(normalizeMessageId);
	return { inReplyTo: ids(parsed.inReplyTo), references: ids(parsed.references) };
}

/** The Content-Type header's type (`text/plain` when absent) and charset, as written. */
function contentTypeOf(headers: PostalMime.Header[]): { value: string; charset: string } {
	const header = headers.find((entry) => entry.key === 'content-type')?.value ?? '';
	const value = header.split(';')[0].trim();
	const charset = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header);
	return { value: value || 'text/plain', charset: charset?.[1] ?? charset?.[2] ?? '' };
}

export async function parseReply(stored: StoredReply): Promise<{ fields: ReplyFields }> {
	const { email } = await parseMail(stored.source);
	const html = email?.html ?? '';
	const plain = email?.text ?? '';
	// The text rendering of HTML happens once, here, and only when there is no text part.
	const body = plain || (html ? htmlAsText(html) : '');
	const { answer, replyText } = extractAnswer(body);
	const { inReplyTo, references } = threadIds({ inReplyTo: email?.inReplyTo, references: email?.references });

	const to = flatAddresses(email?.to);
	const cc = flatAddresses(email?.cc);
	const bcc = flatAddresses(email?.bcc);
	const from = flatAddresses(email?.from);
	const names: Record<string, string> = {};
	for (const entry of [...from, ...to, ...cc, ...bcc]) {
		if (entry.name && !names[entry.address]) names[entry.address] = entry.name;
	}
	const contentType = contentTypeOf(email?.headers ?? []);
	const joined = (list: typeof to) => list.map((entry) => entry.address).join(', ');
	const date = email?.date ? new Date(email.date) : undefined;

	return {
		fields: {
			body,
			plaintext_body: plain,
			html_body: html,
			answer,
			reply_text: replyText,
			subject: email?.subject ?? '',
			sender: from[0]?.address ?? '',
			to: joined(to),
			cc: joined(cc),
			bcc: joined(bcc),
			receivers: [...new Set([...to, ...cc, ...bcc].map((entry) => entry.address))],
			names,
			reply_to: joined(flatAddresses(email?.replyTo)),
			message_id: email?.messageId ? normalizeMessageId(email.messageId) : '',
			in_replay_to: inReplyTo.join(' '),
			in_reply_to: inReplyTo.join(' '),
			references,
			date: utcText(date),
			timestamp: unixSeconds(date),
			received_date: utcText(stored.internalDate),
			received_timestamp: unixSeconds(stored.internalDate),
			content_type: contentType.value,
			charset: contentType.charset,
			email_uid: stored.uid,
			folder: stored.folder,
			raw: stored.source.toString('utf8'),
		},
	};
}

/** Decides, for one parsed message, whether it answers the question; compiled once per wait. */
export class ReplyMatcher {
	readonly messageId: string;

	/** Normalized addresses whose replies count; empty = any sender. */
	readonly recipients: string[];

	private readonly excludeSubject?: RE2JS;

	private readonly excludeBody?: RE2JS;

	constructor(criteria: ReplyCriteria) {
		this.messageId = normalizeMessageId(criteria.messageId);
		if (this.messageId.length <= 2)
			throw new MailError(
				'INVALID_INPUT',
				'Message ID is empty: give the Message-ID of the mail whose reply to wait for.',
			);
		this.recipients = [...new Set(criteria.recipients.map(normalizeAddress).filter(Boolean))];
		this.excludeSubject = compileExclusion(criteria.exclusionSubjectRegex, 'Exclusion Subject Regex');
		this.excludeBody = compileExclusion(criteria.exclusionBodyRegex, 'Exclusion Body Regex');
	}

	/** Normalized sender when the reply counts, else undefined. */
	accept(fields: ReplyFields): string | undefined {
		const threaded = [fields.in_reply_to, ...fields.references].some((ids) => ids.split(' ').includes(this.messageId));
		if (!threaded) return undefined;
		const sender = normalizeAddress(fields.sender);
		if (!sender || (this.recipients.length > 0 && !this.recipients.includes(sender))) return undefined;
		if (this.excludeSubject?.test(fields.subject)) return undefined;
		if (this.excludeBody?.test(fields.body)) return undefined;
		return sender;
	}
}
