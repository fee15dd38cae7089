import type { ImapFlow, MailboxObject } from 'imapflow';

import { normalizeMessageId } from './addresses';
import { MailError } from './errors';

/** Where mail already is in another folder: source UID -> UID there, and that folder's UIDVALIDITY. */
export interface CopiesFound {
	uidMap: Map<number, number>;
	uidValidity?: string;
}

/**
 * Copies of `uids` (of the selected folder) that `destination` holds already: a mail there with
 * the same Message-ID and the same size, as IMAP COPY makes it. A connection cut while the server
 * answers a COPY leaves unknown whether the copy was made; looking here before copying again is
 * what keeps a retried move (or copy) from leaving the mail twice. Mail without a Message-ID is
 * never matched. The selected folder is opened again as it was before (same read-write state).
 */
export async function findCopies(client: ImapFlow, uids: number[], destination: string): Promise<CopiesFound> {
	const found: CopiesFound = { uidMap: new Map() };
	const source = client.mailbox as MailboxObject;
	if (uids.length === 0 || !source) return found;
	const wanted = new Map<string, Array<{ uid: number; size: number }>>();
	for await (const message of client.fetch(uids.join(','), { envelope: true, size: true }, { uid: true })) {
		const id = message.envelope?.messageId;
		if (!id) continue;
		const key = normalizeMessageId(id);
		wanted.set(key, [...(wanted.get(key) ?? []), { uid: message.uid, size: message.size ?? -1 }]);
	}
	if (wanted.size === 0) return found;
	const sourcePath = source.path;
	const sourceValidity = source.uidValidity;
	const readOnly = Boolean(source.readOnly);
	try {
		let target: MailboxObject;
		try {
			target = await client.mailboxOpen(destination, { readOnly: true });
		} catch (error) {
			if (!client.usable) throw error;
			return found; // no such folder yet: no copy in it
		}
		found.uidValidity = String(target.uidValidity);
		const taken = new Set<number>();
		for (const [id, sources] of wanted) {
			const hits = await client.search({ header: { 'message-id': id.slice(1, -1) } }, { uid: true });
			if (!hits || hits.length === 0) continue;
			const candidates: Array<{ uid: number; size: number }> = [];
			for await (const message of client.fetch(hits.join(','), { envelope: true, size: true }, { uid: true })) {
				const candidateId = message.envelope?.messageId;
				if (candidateId && normalizeMessageId(candidateId) === id)
					candidates.push({ uid: message.uid, size: message.size ?? -2 });
			}
			candidates.sort((a, b) => a.uid - b.uid);
			for (const original of sources) {
				const same = (candidate: { uid: number; size: number }) => candidate.size === original.size;
				const copy = candidates.find((candidate) => same(candidate) && !taken.has(candidate.uid));
				if (!copy) continue;
				taken.add(copy.uid);
				found.uidMap.set(original.uid, copy.uid);
			}
		}
		return found;
	} finally {
		if (client.usable) {
			const reopened = await client.mailboxOpen(sourcePath, { readOnly });
			// UIDs of the source mean nothing any more if it was recreated meanwhile.
			if (reopened.uidValidity !== sourceValidity) {
				throw new MailError(
					'CONNECTION_FAILED',
					`Folder "${sourcePath}" changed its UIDVALIDITY while the ` +
						`mail was being moved: run the operation again.`,
					{ service: 'IMAP' },
				);
			}
		}
	}
}
