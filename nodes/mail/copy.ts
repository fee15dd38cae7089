import type { MailAccount } from './account';
import { findCopies } from './copies';
import { onPickedToDestination, refused, type DestinationRequest, type DestinationResult } from './changeMail';
import { requestedId } from './pickMail';

export interface CopyResult extends DestinationResult {
	/** False when an identical copy (same Message-ID and size) was in the destination already. */
	copied: boolean;
}

/**
 * Copies the picked mail to another folder (UID COPY), the original staying where it is. A copy
 * that a cut earlier run already made is found and not made twice.
 */
export async function copyMessage(account: MailAccount, request: DestinationRequest): Promise<CopyResult> {
	const answer = (found: boolean, copied: boolean, messageId: string, newUid: number | null = null): CopyResult => ({
		found,
		copied,
		message_id: messageId,
		new_email_uid: newUid,
	});
	return onPickedToDestination(
		account,
		request,
		'copy',
		() => answer(false, false, requestedId(request)),
		async (client, picked, destination) => {
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
