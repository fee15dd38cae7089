/** Mail, a node run and a folder's contents for the Search, Move, Delete, Mark, Reply and Forward tests. */
import { simpleParser, type ParsedMail } from 'mailparser';

import { Email } from '../../nodes/Email/Email.node';
import { runNode } from './nodeContext';
import { openMailbox, waitForMessages } from './servers';

/** A plain-text mail as raw text for APPEND; a fresh Message-ID unless one is given. */
export function rawMail(
	subject: string,
	{
		id = `${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test`,
		from = 'Reporter <reporter@example.test>',
		to = 'soc@example.test',
		extra = [] as string[],
		body = `Body of ${subject}`,
	} = {},
): string {
	return [
		`From: ${from}`,
		`To: ${to}`,
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${id}>`,
		...extra,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		body,
		'',
	].join('\r\n');
}

/** Runs the Mailbox node with the given parameters (folder INBOX unless given); the items of its first output. */
export async function run(
	credentials: Record<string, unknown>,
	parameters: Record<string, unknown>,
	continueOnFail = false,
) {
	const [items] = await runNode(new Email(), {
		parameters: { folder: 'INBOX', messageId: '', emailUid: '', options: {}, ...parameters },
		credentials,
		continueOnFail,
	});
	return items;
}

/** Subjects and flags of the mail in a folder, in UID order. */
export async function folderState(
	address: string,
	folder: string,
): Promise<Array<{ uid: number; subject: string; flags: string[] }>> {
	return openMailbox(address, async (client) => {
		const lock = await client.getMailboxLock(folder, { readOnly: true }).catch(() => undefined);
		if (!lock) return [];
		try {
			const found: Array<{ uid: number; subject: string; flags: string[] }> = [];
			if ((client.mailbox && typeof client.mailbox !== 'boolean' ? client.mailbox.exists : 0) === 0) return found;
			for await (const message of client.fetch('1:*', { uid: true, envelope: true, flags: true }))
				found.push({
					uid: message.uid,
					subject: message.envelope?.subject ?? '',
					flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
				});
			return found.sort((a, b) => a.uid - b.uid);
		} finally {
			lock.release();
		}
	});
}

export const subjectsIn = async (address: string, folder: string) =>
	(await folderState(address, folder)).map((entry) => entry.subject);

/** The mails in an address's INBOX once it holds at least `count`, parsed. */
export async function delivered(address: string, count = 1): Promise<ParsedMail[]> {
	const messages = await waitForMessages(address, count);
	return Promise.all(messages.map((message) => simpleParser(message.source)));
}
