import type { FetchMessageObject, MessageAddressObject, MessageStructureObject, SearchObject } from 'imapflow';

import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { NOT_GMAIL } from './labels';
import { keywordList } from './changeMail';
import { parseMessage, type AttachmentInfo } from './message';
import { withFolder } from './messageFilter';

/** The filters of Search Emails; every given one must match. */
export interface SearchRequest {
	folder: string;
	from?: string;
	to?: string;
	subject?: string;
	/** Text in the body. */
	text?: string;
	/** Arrived at or after (the server's INTERNALDATE). */
	since?: string | Date;
	/** Arrived before. */
	before?: string | Date;
	unreadOnly?: boolean;
	messageId?: string;
	/** A custom flag (IMAP keyword) the mail carries, e.g. `$Phishing`. */
	keyword?: string;
	/** Gmail's own search syntax (X-GM-RAW), e.g. `has:attachment older_than:2d`; Gmail only. */
	gmailQuery?: string;
	/** Messages returned at most, counted after sorting (default 50). */
	limit?: number;
	/** Newest (highest UID, latest arrival) first; default true. */
	newestFirst?: boolean;
	/** Also read and parse each message: body, html_body, attachments. */
	includeBody?: boolean;
	/** The whole search ends by this (TIMEOUT); unbounded without it. */
	budget?: TimeBudget;
}

export interface MessageSummary {
	message_id: string;
	email_uid: number;
	folder: string;
	subject: string;
	from: string;
	to: string[];
	cc: string[];
	date: string;
	flags: string[];
	size: number;
	has_attachments: boolean;
	body?: string;
	html_body?: string;
	attachments?: AttachmentInfo[];
}

export const DEFAULT_SEARCH_LIMIT = 50;

/** A filter value goes to the server as one IMAP string; a line break in it is refused rather than sent. */
function filterText(value: string | undefined, field: string): string | undefined {
	if (value === undefined || value === null) return undefined;
	const text = String(value);
	if (/[\r\n\0]/.test(text)) {
		throw new MailError(
			'INVALID_INPUT',
			`The ${field} filter contains a line break: write the text to search for on one line.`,
		);
	}
	return text.trim() || undefined;
}

function filterDate(value: string | Date | undefined, field: string): Date | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime()))
		throw new MailError(
			'INVALID_INPUT',
			`The ${field} filter "${String(value)}" is not a date: use e.g. 2026-12-01T09:00:00Z.`,
		);
	return date;
}

/**
 * The request -> an imapflow search object. imapflow sends every value as a quoted string, or as
 * a literal with CHARSET UTF-8 for non-ASCII text, so no value can change the command's shape;
 * since/before become WITHIN's YOUNGER/OLDER (to the second) where the server has it, else
 * SINCE/BEFORE (whole days).
 */
export function toSearchCriteria(request: SearchRequest): SearchObject {
	const criteria: SearchObject = {};
	const from = filterText(request.from, 'From');
	const to = filterText(request.to, 'To');
	const subject = filterText(request.subject, 'Subject');
	const text = filterText(request.text, 'Text');
	const messageId = filterText(request.messageId, 'Message ID');
	const since = filterDate(request.since, 'Since');
	const before = filterDate(request.before, 'Before');
	if (since && before && since >= before)
		throw new MailError('INVALID_INPUT', 'Since is not earlier than Before: no mail can match; check the two dates.');
	if (from) criteria.from = from;
	if (to) criteria.to = to;
	if (subject) criteria.subject = subject;
	if (text) criteria.body = text;
	// Searched without brackets (a substring match on the server), then compared exactly.
	if (messageId) criteria.header = { 'message-id': normalizeMessageId(messageId).slice(1, -1) };
	if (since) criteria.since = since;
	if (before) criteria.before = before;
	if (request.unreadOnly) criteria.seen = false;
	const keyword = filterText(request.keyword, 'Keyword');
	if (keyword) criteria.keyword = keywordList(keyword, 'Keyword')[0];
	const gmailQuery = filterText(request.gmailQuery, 'Gmail Query');
	if (gmailQuery) criteria.gmraw = gmailQuery;
	if (Object.keys(criteria).length === 0) criteria.all = true;
	return criteria;
}

function addresses(list: MessageAddressObject[] | undefined): string[] {
	return (list ?? []).map((entry) => entry.address ?? '').filter(Boolean);
}

/** A part a mail client shows as an attachment: marked so, or a named part that is not inline text. */
export function hasAttachments(node: MessageStructureObject | undefined): boolean {
	if (!node) return false;
	if (node.childNodes?.length) return node.childNodes.some(hasAttachments);
	if (node.disposition === 'attachment') return true;
	if (node.type === 'message/rfc822') return true;
	const named = Boolean(node.dispositionParameters?.filename || node.parameters?.name);
	return named && node.disposition !== 'inline' && !node.type.startsWith('text/');
}

async function summarize(message: FetchMessageObject, folder: string, includeBody: boolean): Promise<MessageSummary> {
	const envelope = message.envelope;
	const date = envelope?.date ?? message.internalDate;
	const summary: MessageSummary = {
		message_id: envelope?.messageId ? normalizeMessageId(envelope.messageId) : '',
		email_uid: message.uid,
		folder,
		subject: envelope?.subject ?? '',
		from: addresses(envelope?.from)[0] ?? '',
		to: addresses(envelope?.to),
		cc: addresses(envelope?.cc),
		date: date && !Number.isNaN(new Date(date).getTime()) ? new Date(date).toISOString() : '',
		flags: [...(message.flags ?? [])],
		size: message.size ?? 0,
		has_attachments: hasAttachments(message.bodyStructure),
	};
	if (includeBody && message.source) {
		const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
		const { fields } = await parseMessage(message.source, {
			uid: message.uid,
			uidValidity: '',
			folder,
			flags: summary.flags,
			internalDate,
		});
		summary.body = fields.body;
		summary.html_body = fields.html_body;
		summary.attachments = fields.attachments;
	}
	return summary;
}

/**
 * One SEARCH, then one FETCH of the summaries of the messages kept: sorted by UID (arrival order),
 * newest first unless asked otherwise, cut to `limit`. Read-only: no flag changes.
 */
export async function searchMessages(account: MailAccount, request: SearchRequest): Promise<MessageSummary[]> {
	const criteria = toSearchCriteria(request);
	const limit = Math.floor(Number(request.limit ?? DEFAULT_SEARCH_LIMIT));
	if (!Number.isFinite(limit) || limit < 1)
		throw new MailError('INVALID_INPUT', 'Limit must be a number of at least 1.');
	const newestFirst = request.newestFirst ?? true;
	const includeBody = request.includeBody ?? false;
	const wantedId = request.messageId?.trim() ? normalizeMessageId(request.messageId) : undefined;
	return withImap(
		account,
		(client) =>
			withFolder(client, request.folder, async () => {
				if (criteria.gmraw && !client.capabilities.has('X-GM-EXT-1')) {
					throw new MailError(
						'NOT_SUPPORTED',
						`Gmail Query works ${NOT_GMAIL}; this server has no X-GM-RAW: leave it empty and use the other filters.`,
						{ service: 'IMAP' },
					);
				}
				const found = await client.search(criteria, { uid: true });
				if (!found) {
					if (!client.usable) throw new Error('the connection closed');
					throw new MailError(
						'INVALID_INPUT',
						`The IMAP server refused the search${criteria.gmraw ? ' (check the Gmail Query syntax)' : ''}: ` +
							'check the filters.',
						{ service: 'IMAP' },
					);
				}
				const ordered = [...new Set(found)].sort((a, b) => (newestFirst ? b - a : a - b));
				// A Message-ID is compared exactly only after the FETCH, so its few candidates are all fetched.
				const kept = wantedId ? ordered : ordered.slice(0, limit);
				if (kept.length === 0) return [];
				const byUid = new Map<number, MessageSummary>();
				const query = {
					uid: true,
					envelope: true,
					flags: true,
					size: true,
					internalDate: true,
					bodyStructure: true,
					...(includeBody ? { source: true } : {}),
				};
				for await (const message of client.fetch(kept.join(','), query, { uid: true })) {
					if (wantedId && (!message.envelope?.messageId || normalizeMessageId(message.envelope.messageId) !== wantedId))
						continue;
					byUid.set(message.uid, await summarize(message, request.folder, includeBody));
				}
				return kept
					.filter((uid) => byUid.has(uid))
					.slice(0, limit)
					.map((uid) => byUid.get(uid) as MessageSummary);
			}),
		request.budget,
	);
}
