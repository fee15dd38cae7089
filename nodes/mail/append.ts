import type { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';

import type { MailAccount } from './account';
import { normalizeMessageId } from './addresses';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { findFolder } from './folderOps';
import { composeMail, type OutgoingMail } from './send';

/*
 * APPEND: a message put into a folder as it is, not sent. An .eml goes byte for byte; a composed
 * mail is built exactly as Send Email builds it (Bcc kept, as a draft needs it).
 */

export interface AppendRequest {
	folder: string;
	/** The whole message (RFC 5322 bytes). */
	message: Buffer;
	/** Comma list of flags, e.g. `\Seen, \Draft` or keywords. */
	flags?: string;
	/** The internal date the server keeps (its arrival date); the server's clock when absent. */
	date?: string | Date;
	budget?: TimeBudget;
}

export interface AppendResult {
	appended: boolean;
	folder: string;
	/** Its UID in the folder, when the server says it (APPENDUID). */
	email_uid: number | null;
	/** As the server parsed it, or null when it has none (or no UID was said). */
	message_id: string | null;
}

const FLAG = /^\\?[^\s(){%*"\\\]\x00-\x1f\x7f]+$/;

function flagList(value: string | undefined): string[] {
	const flags = (value ?? '')
		.split(',')
		.map((flag) => flag.trim())
		.filter(Boolean);
	const bad = flags.find((flag) => !FLAG.test(flag) || flag.toLowerCase() === '\\recent');
	if (bad !== undefined) {
		throw new MailError(
			'INVALID_INPUT',
			`Flags: "${bad}" is not an IMAP flag. Use system flags such as \\Seen, \\Flagged, ` +
				`\\Draft, \\Answered, or keywords without spaces, separated by commas.`,
		);
	}
	return flags;
}

function appendDate(value: string | Date | undefined): Date | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime()))
		throw new MailError('INVALID_INPUT', `Date "${String(value)}" is not a date: use e.g. 2026-12-01T09:00:00Z.`);
	return date;
}

async function ensureAppendFolder(client: ImapFlow, folder: string): Promise<void> {
	if (findFolder(await client.list(), folder)) return;
	try {
		await client.mailboxCreate(folder);
	} catch (error) {
		if (!client.usable) throw error;
		const reason = (error as { responseText?: string }).responseText || (error as Error).message;
		throw new MailError(
			'INVALID_INPUT',
			`Folder "${folder}" is missing and could not be created (${reason}): check the name.`,
			{ service: 'IMAP', cause: error },
		);
	}
}

/** Puts the message into `folder` (created when missing) with its flags and date. */
export async function appendMessage(account: MailAccount, request: AppendRequest): Promise<AppendResult> {
	const folder = request.folder.trim() || 'INBOX';
	if (!request.message?.length)
		throw new MailError('INVALID_INPUT', 'The message to append is empty: give an .eml file or compose one.');
	const flags = flagList(request.flags);
	const date = appendDate(request.date);
	return withImap(
		account,
		async (client) => {
			await ensureAppendFolder(client, folder);
			const appended = await client.append(folder, request.message, flags, date);
			if (!appended) {
				if (!client.usable) throw new Error('the connection closed');
				throw new MailError(
					'CONNECTION_FAILED',
					`The IMAP server refused to append the mail to "${folder}" ` + `(over quota, or a flag it does not allow).`,
					{ service: 'IMAP' },
				);
			}
			const uid = appended.uid ?? null;
			let messageId: string | null = null;
			if (uid !== null) {
				const lock = await client.getMailboxLock(folder, { readOnly: true });
				try {
					const fetched = await client.fetchOne(String(uid), { envelope: true }, { uid: true });
					const declared = fetched ? fetched.envelope?.messageId : undefined;
					messageId = declared ? normalizeMessageId(declared) : null;
				} finally {
					lock.release();
				}
			}
			return { appended: true, folder, email_uid: uid, message_id: messageId };
		},
		request.budget,
	);
}

/** The mail Send Email would send, as bytes (with its Bcc header, as a draft keeps it), not sent. */
export async function composeMessage(account: MailAccount, mail: OutgoingMail, date?: string | Date): Promise<Buffer> {
	const node = new MailComposer({ ...composeMail(account, mail), date: appendDate(date) }).compile();
	node.keepBcc = true;
	return node.build();
}
