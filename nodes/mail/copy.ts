import type { MailAccount } from './account';
import { findCopies } from './copies';
import { MailError } from './errors';
import { prepareDestination, refused } from './changeMail';
import { onPicked, requestedId, type MessagePick } from './pickMail';

export interface CopyRequest extends MessagePick {
	destination: string;
	/** Create the destination when it does not exist (default: refuse). */
	createFolder?: boolean;
}

export interface CopyResult {
	found: boolean;
	/** False when an identical copy (same Message-ID and size) was in the destination already. */
	copied: boolean;
	message_id: string;
	/** The copy's UID in the destination, when the server says it (COPYUID). */
	new_email_uid: number | null;
}

/**
 * Copies the picked mail to another folder (UID COPY), the original staying where it is. A copy
 * that a cut earlier run already made is found and not made twice.
 */
export async function copyMessage(account: MailAccount, request: CopyRequest): Promise<CopyResult> {
	const destination = request.destination.trim();
	if (!destination)
		throw new MailError('INVALID_INPUT', 'Destination Folder is empty: pick the folder the copy should go to.');
	const answer = (found: boolean, copied: boolean, messageId: string, newUid: number | null = null): CopyResult => ({
		found,
		copied,
		message_id: messageId,
		new_email_uid: newUid,
	});
	return onPicked(
		account,
		request,
		() => answer(false, false, requestedId(request)),
		async (client, picked) => {
			await prepareDestination(client, destination, request.createFolder);
			const existing = (await findCopies(client, [picked.uid], destination)).uidMap.get(picked.uid);
			if (existing !== undefined) return answer(true, false, picked.messageId, existing);
			const copied = await client.messageCopy(String(picked.uid), destination, { uid: true });
			if (!copied) {
				refused(client, `The IMAP server refused to copy the mail (UID ${picked.uid}) to "${destination}".`);
			}
			return answer(true, true, picked.messageId, copied.uidMap?.get(picked.uid) ?? null);
		},
	);
}
