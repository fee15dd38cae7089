import type { ImapFlow } from 'imapflow';

import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { safeFileName } from './files';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { findMessages, parseUidSet, withFolder } from './messageFilter';

/** How every operation on one mail picks it (Get EML File, Move, Delete, Mark, Reply, Forward). */
export interface MessagePick {
	folder: string;
	/** Message-ID header, with or without angle brackets. */
	messageId?: string;
	/** One UID; used when no Message-ID is given. */
	uid?: string;
	/** The whole call ends by this (TIMEOUT); unbounded without it. */
	budget?: TimeBudget;
}

export type EmlRequest = MessagePick;

export interface OriginalMessage {
	/** The server's bytes, unchanged. */
	source: Buffer;
	uid: number;
	/** `<id>`, or empty when the message has none. */
	messageId: string;
	folder: string;
	size: number;
}

/** Refuses a pick that names no mail, or more than one UID, before any connection is made. */
export function checkPick(request: MessagePick): { messageId?: string; uid?: string } {
	const messageId = request.messageId?.trim();
	const uid = request.uid?.trim();
	if (!messageId && !uid)
		throw new MailError(
			'INVALID_INPUT',
			'Neither Message ID nor Email UID is set: give the Message-ID header of the mail or its UID.',
		);
	if (!messageId && uid && !/^[1-9]\d*$/.test(parseUidSet(uid))) {
		throw new MailError('INVALID_INPUT', `Email UID "${uid}" must be a single UID, e.g. 42.`);
	}
	return messageId ? { messageId } : { uid };
}

/**
 * The UID of the picked mail in the selected folder, or undefined when it is not there. A
 * Message-ID that several copies share gives the oldest copy.
 */
export async function pickUid(client: ImapFlow, request: MessagePick): Promise<number | undefined> {
	const { messageId, uid } = checkPick(request);
	const [found] = await findMessages(client, messageId ? { messageId } : { uids: uid });
	return found;
}

/**
 * The original bytes of one message, read with BODY.PEEK in a read-only folder so its flags stay
 * as they are. Null when none matches.
 */
export async function getOriginalMessage(account: MailAccount, request: EmlRequest): Promise<OriginalMessage | null> {
	checkPick(request);
	return withImap(
		account,
		(client) =>
			withFolder(client, request.folder, async () => {
				const found = await pickUid(client, request);
				if (found === undefined) return null;
				const message = await client.fetchOne(String(found), { source: true, envelope: true }, { uid: true });
				if (!message || !message.source) return null;
				const declared = message.envelope?.messageId;
				return {
					source: message.source,
					uid: message.uid,
					messageId: declared ? normalizeMessageId(declared) : '',
					folder: request.folder,
					size: message.source.length,
				};
			}),
		request.budget,
	);
}

/** `<abc@example.com>` -> `abc@example.com.eml`, made safe; `message-<uid>.eml` without an ID. */
export function emlFileName(message: Pick<OriginalMessage, 'messageId' | 'uid'>): string {
	const id = message.messageId.replace(/^<|>$/g, '');
	return (id && safeFileName(`${id}.eml`)) || `message-${message.uid}.eml`;
}

export interface Picked {
	uid: number;
	messageId: string;
	flags: string[];
}

/** The picked mail in the selected folder with its Message-ID and flags, or undefined when it is not there. */
async function pick(client: ImapFlow, request: MessagePick): Promise<Picked | undefined> {
	const uid = await pickUid(client, request);
	if (uid === undefined) return undefined;
	const message = await client.fetchOne(String(uid), { envelope: true, flags: true }, { uid: true });
	if (!message) return undefined;
	const declared = message.envelope?.messageId;
	return { uid, messageId: declared ? normalizeMessageId(declared) : '', flags: [...(message.flags ?? [])] };
}

/** The Message-ID asked for, for the answer about a mail that is not there. */
export function requestedId(request: MessagePick): string {
	return request.messageId?.trim() ? normalizeMessageId(request.messageId) : '';
}

/** Runs `work` on the picked mail in its folder opened read-write; `missing` answers when it is not there. */
export async function onPicked<T>(
	account: MailAccount,
	request: MessagePick,
	missing: () => T,
	work: (client: ImapFlow, picked: Picked) => Promise<T>,
): Promise<T> {
	checkPick(request);
	return withImap(
		account,
		(client) =>
			withFolder(
				client,
				request.folder,
				async () => {
					const picked = await pick(client, request);
					return picked ? await work(client, picked) : missing();
				},
				{ readOnly: false },
			),
		request.budget,
	);
}
