import { openMailbox } from '../helpers/servers';

/** Whether each message of `folder` carries \Seen on the server, in UID order. */
export async function seenFlags(address: string, folder: string): Promise<boolean[]> {
	return openMailbox(address, async (client) => {
		const lock = await client.getMailboxLock(folder, { readOnly: true });
		try {
			const flags: Array<[number, boolean]> = [];
			for await (const message of client.fetch('1:*', { uid: true, flags: true }))
				flags.push([message.uid, message.flags?.has('\\Seen') ?? false]);
			return flags.sort((a, b) => a[0] - b[0]).map(([, seen]) => seen);
		} finally {
			lock.release();
		}
	});
}

/** The bytes an IMAP server gives back for an appended message: every line ends in CRLF. */
export function asServed(raw: Buffer): Buffer {
	return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
