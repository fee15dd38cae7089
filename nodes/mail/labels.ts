import type { MailAccount } from './account';
import { onPicked, requestedId, type MessagePick } from './pickMail';
import { MailError } from './errors';
import { refused } from './changeMail';

/*
 * Gmail labels (X-GM-EXT-1): UID STORE +X-GM-LABELS / -X-GM-LABELS and FETCH X-GM-LABELS. A label
 * is a folder-like name (spaces and slashes allowed); system labels start with a backslash.
 */

export interface LabelsRequest extends MessagePick {
	/** Comma list of labels to add, e.g. `Cases/2026-117, Phishing`. */
	addLabels?: string;
	removeLabels?: string;
}

export interface LabelsResult {
	found: boolean;
	message_id: string;
	/** The mail's labels after the change, as Gmail reports them. */
	labels: string[];
}

function labelList(value: string | undefined, field: string): string[] {
	const labels = (value ?? '')
		.split(',')
		.map((label) => label.trim())
		.filter(Boolean);
	const bad = labels.find((label) => /[\r\n\0"]/.test(label));
	if (bad !== undefined)
		throw new MailError(
			'INVALID_INPUT',
			`${field}: "${bad}" cannot be a Gmail label (no line breaks or double quotes).`,
		);
	return labels;
}

export const NOT_GMAIL = 'only on Gmail (IMAP extension X-GM-EXT-1)';

export async function setMessageLabels(account: MailAccount, request: LabelsRequest): Promise<LabelsResult> {
	const add = labelList(request.addLabels, 'Add Labels');
	const remove = labelList(request.removeLabels, 'Remove Labels');
	return onPicked<LabelsResult>(
		account,
		request,
		() => ({ found: false, message_id: requestedId(request), labels: [] }),
		async (client, picked) => {
			if (!client.capabilities.has('X-GM-EXT-1')) {
				throw new MailError(
					'NOT_SUPPORTED',
					`Labels exist ${NOT_GMAIL}; this server has no labels: use Mark ` +
						`Email's keywords or Copy Email to a folder instead.`,
					{ service: 'IMAP' },
				);
			}
			const uid = String(picked.uid);
			const change = async (labels: string[], adding: boolean) => {
				if (labels.length === 0) return;
				const options = { uid: true, useLabels: true };
				const ok = adding
					? await client.messageFlagsAdd(uid, labels, options)
					: await client.messageFlagsRemove(uid, labels, options);
				if (!ok) refused(client, `Gmail refused to change the labels of the mail (UID ${uid}).`);
			};
			await change(add, true);
			await change(remove, false);
			const after = await client.fetchOne(uid, { labels: true }, { uid: true });
			return { found: true, message_id: picked.messageId, labels: after ? [...(after.labels ?? [])].sort() : [] };
		},
	);
}
