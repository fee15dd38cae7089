import type { ImapFlow, SearchObject } from 'imapflow';

import { normalizeMessageId } from './addresses';
import { MailError } from './errors';

/** What a read operation looks for in one folder; every given filter must match (AND). */
export interface MessageFilter {
	/** Message-ID header, with or without angle brackets. */
	messageId?: string;
	/** Substring of the Subject header. */
	subject?: string;
	/** One UID or a comma list; `a:b` ranges are accepted too. */
	uids?: string;
	onlyUnread?: boolean;
}

const UID_SET = /^[1-9]\d*(?::[1-9]\d*)?(?:,[1-9]\d*(?::[1-9]\d*)?)*$/;

/** "12, 15,20:22" -> "12,15,20:22"; anything else is refused, so it can never widen the search. */
export function parseUidSet(value: string): string {
	const compact = value.replace(/\s+/g, '');
	if (!UID_SET.test(compact)) {
		throw new MailError(
			'INVALID_INPUT',
			`Email UID "${value}" is not a UID list: write one UID or several separated by commas, ` + `e.g. 42 or 42,57.`,
		);
	}
	return compact;
}

export function hasFilter(filter: MessageFilter): boolean {
	return Boolean(filter.messageId?.trim() || filter.subject?.trim() || filter.uids?.trim() || filter.onlyUnread);
}

/**
 * Filters -> an imapflow search object. imapflow quotes every value and sends non-ASCII text as a
 * literal with CHARSET UTF-8, so user input can never change the shape of the SEARCH command.
 */
export function toSearchQuery(filter: MessageFilter): SearchObject {
	if (!hasFilter(filter)) {
		throw new MailError(
			'INVALID_INPUT',
			'No filter is set: give a Message ID, a Subject Filter, an Email UID or Only Unread, so that not ' +
				'the whole folder is read.',
		);
	}
	const query: SearchObject = {};
	const messageId = filter.messageId?.trim();
	// Searched without brackets (a substring match on the server), then checked exactly by the caller.
	if (messageId) query.header = { 'message-id': normalizeMessageId(messageId).slice(1, -1) };
	if (filter.subject?.trim()) query.subject = filter.subject.trim();
	if (filter.uids?.trim()) query.uid = parseUidSet(filter.uids);
	if (filter.onlyUnread) query.seen = false;
	return query;
}

/**
 * UIDs of the messages in the selected folder that match, oldest first. A Message-ID is compared
 * exactly after the server's substring search, so `<abc@x>` never matches `<xabc@x>`.
 */
export async function findMessages(client: ImapFlow, filter: MessageFilter): Promise<number[]> {
	const found = await client.search(toSearchQuery(filter), { uid: true });
	const uids = (found || []).sort((a, b) => a - b);
	const wanted = filter.messageId?.trim();
	if (!wanted || uids.length === 0) return uids;
	const exact: number[] = [];
	for await (const message of client.fetch(uids.join(','), { envelope: true }, { uid: true })) {
		if (message.envelope?.messageId && normalizeMessageId(message.envelope.messageId) === normalizeMessageId(wanted))
			exact.push(message.uid);
	}
	return exact.sort((a, b) => a - b);
}

/**
 * Opens `folder` read-only (EXAMINE) unless `readOnly: false` is asked: nothing done inside a
 * read-only folder can change a flag.
 */
export async function withFolder<T>(
	client: ImapFlow,
	folder: string,
	work: () => Promise<T>,
	{ readOnly = true } = {},
): Promise<T> {
	let lock;
	try {
		lock = await client.getMailboxLock(folder, { readOnly });
	} catch (error) {
		throw new MailError(
			'NOT_FOUND',
			`Folder "${folder}" could not be opened: pick an existing folder from the list or ` +
				`check the name (case-sensitive).`,
			{ service: 'IMAP', cause: error },
		);
	}
	try {
		return await work();
	} finally {
		lock.release();
	}
}
