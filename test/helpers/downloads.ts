/** Running Download Attachments on a test mailbox, and the mails with attachments its tests append. */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Email } from '../../nodes/Email/Email.node';
import type { SavedAttachment } from '../../nodes/mail';
import { runNode } from './nodeContext';
import { credentialsFor } from './servers';

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** A fresh, empty download folder. */
export const tempDir = () => mkdtempSync(path.join(tmpdir(), 'mailbox-dl-'));

export type Attachment = SavedAttachment;

/** Runs Download Attachments for `address` with the given parameters (folder INBOX unless given); its items. */
export async function download(address: string, parameters: Record<string, unknown>, continueOnFail = false) {
	const [items] = await runNode(new Email(), {
		parameters: {
			operation: 'downloadAttachments',
			folder: 'INBOX',
			messageId: '',
			subjectFilter: '',
			emailUid: '',
			onlyUnread: false,
			options: {},
			...parameters,
		},
		credentials: credentialsFor(address),
		continueOnFail,
	});
	return items;
}

/** A mail with a text part and the given parts (base64), as raw text for APPEND. */
export function mime(
	parts: Array<{ headers: string; body: string | Buffer }>,
	subject = 'hostile names',
	messageId = `<${Math.random().toString(36).slice(2)}@test>`,
): string {
	const boundary = 'BOUNDARY-x1';
	return [
		'From: attacker@example.test',
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		`Content-Type: multipart/mixed; boundary="${boundary}"`,
		'',
		`--${boundary}`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		'see attached',
		...parts.flatMap((part) => [
			`--${boundary}`,
			part.headers,
			'Content-Transfer-Encoding: base64',
			'',
			Buffer.from(part.body).toString('base64').replace(/.{76}/g, '$&\r\n'),
		]),
		`--${boundary}--`,
		'',
	].join('\r\n');
}

/** An application/octet-stream attachment part, its file name given as a whole Content-Disposition parameter. */
export const attachment = (filenameHeader: string, body: string) => ({
	headers: `Content-Type: application/octet-stream\r\nContent-Disposition: attachment; ${filenameHeader}`,
	body,
});

/**
 * A mail with a 12 MB zip (a fixed pattern, not compressible) and an attached mail carrying inner.txt
 * ("nested"), as forwarded.eml; with the zip's bytes.
 */
export function largeMailWithAttachedMail(messageId: string): { big: Buffer; outer: string } {
	const big = Buffer.alloc(12 * 1024 * 1024);
	for (let offset = 0; offset < big.length; offset += 4) big.writeUInt32LE((offset * 2654435761) >>> 0, offset);
	const inner = mime([attachment('filename="inner.txt"', 'nested')], 'inner mail', '<inner@example.test>');
	const outer = mime(
		[
			{ headers: 'Content-Type: application/zip\r\nContent-Disposition: attachment; filename="big.zip"', body: big },
			{
				headers: 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="forwarded.eml"',
				body: inner,
			},
		],
		'large',
		messageId,
	);
	return { big, outer };
}
