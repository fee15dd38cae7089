import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { safeFileName } from './attachments';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { findMessages, parseUidSet, withFolder } from './search';

export interface EmlRequest {
	folder: string;
	/** Message-ID header, with or without angle brackets. */
	messageId?: string;
	/** One UID; used when no Message-ID is given. */
	uid?: string;
	/** The whole call ends by this (TIMEOUT); unbounded without it. */
	budget?: TimeBudget;
}

export interface OriginalMessage {
	/** The server's bytes, unchanged. */
	source: Buffer;
	uid: number;
	/** `<id>`, or empty when the message has none. */
	messageId: string;
	folder: string;
	size: number;
}

/**
 * The original bytes of one message, read with BODY.PEEK in a read-only folder so its flags stay
 * as they are. A Message-ID that several copies share gives the oldest copy. Null when none matches.
 */
export async function getOriginalMessage(account: MailAccount, request: EmlRequest): Promise<OriginalMessage | null> {
	const messageId = request.messageId?.trim();
	const uid = request.uid?.trim();
	if (!messageId && !uid) throw new MailError('INVALID_INPUT', 'Neither Message ID nor Email UID is set: give the Message-ID header of the mail or its UID.');
	if (!messageId && uid && !/^[1-9]\d*$/.test(parseUidSet(uid))) {
		throw new MailError('INVALID_INPUT', `Email UID "${uid}" must be a single UID for Get EML File, e.g. 42.`);
	}
	return withImap(account, (client) =>
		withFolder(client, request.folder, async () => {
			const [found] = await findMessages(client, messageId ? { messageId } : { uids: uid });
			if (found === undefined) return null;
			const message = await client.fetchOne(String(found), { source: true, envelope: true }, { uid: true });
			if (!message || !message.source) return null;
			const declared = message.envelope?.messageId;
			return { source: message.source, uid: message.uid, messageId: declared ? normalizeMessageId(declared) : '', folder: request.folder, size: message.source.length };
		}),
		request.budget,
	);
}

/** `<abc@example.com>` -> `abc@example.com.eml`, made safe; `message-<uid>.eml` without an ID. */
export function emlFileName(message: Pick<OriginalMessage, 'messageId' | 'uid'>): string {
	const id = message.messageId.replace(/^<|>$/g, '');
	return (id && safeFileName(`${id}.eml`)) || `message-${message.uid}.eml`;
}
