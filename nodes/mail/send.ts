import { convert as htmlToText } from 'html-to-text';
import type { Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

import type { MailAccount } from './account';
import { requireAddressList, normalizeMessageId, type Address } from './addresses';
import { createSmtpTransport, smtpEndpoint, withTokenRefresh } from './connection';
import { describeConnectionError, MailError } from './errors';

export interface OutgoingAttachment {
	filename: string;
	content: Buffer;
	contentType?: string;
	/** nodemailer shows message/rfc822 parts inline unless told otherwise. */
	contentDisposition?: 'attachment' | 'inline';
}

export interface OutgoingMail {
	recipients: string;
	cc?: string;
	bcc?: string;
	subject: string;
	content: string;
	contentType?: 'html' | 'text';
	attachments?: OutgoingAttachment[];
	replyTo?: string;
	inReplyTo?: string;
	/** Earlier Message-IDs of the thread; `inReplyTo` is appended when given. */
	references?: string[];
	fromName?: string;
	headers?: Array<{ name: string; value: string }>;
	/** A Message-ID chosen before sending (links in the mail can then name it); else nodemailer makes one. */
	messageId?: string;
}

export interface SendResult {
	is_success: boolean;
	message_id: string;
	accepted: string[];
	rejected: string[];
}

// Headers the composer owns: a custom header with these names would conflict or smuggle recipients.
const RESERVED_HEADERS = new Set([
	'from',
	'to',
	'cc',
	'bcc',
	'subject',
	'message-id',
	'date',
	'mime-version',
	'content-type',
	'content-transfer-encoding',
	'in-reply-to',
	'references',
	'reply-to',
	'sender',
	'return-path',
]);

function refuseLineBreaks(value: string | undefined, field: string) {
	if (value && /[\r\n\0]/.test(value)) {
		throw new MailError(
			'INVALID_INPUT',
			`${field} contains a line break: header values must be on one line (a line break could inject headers).`,
		);
	}
}

function toAddressString(list: Address[]): string[] {
	return list.map((entry) => entry.address);
}

/** Validates everything first, so that bad input never leaves half a mail on the wire. */
export function composeMail(account: MailAccount, mail: OutgoingMail): Mail.Options {
	const to = requireAddressList(mail.recipients, 'Recipients', { required: true });
	const cc = requireAddressList(mail.cc, 'CC');
	const bcc = requireAddressList(mail.bcc, 'BCC');
	const replyTo = requireAddressList(mail.replyTo, 'Reply To');
	refuseLineBreaks(mail.subject, 'Subject');
	refuseLineBreaks(mail.fromName, 'From Name');
	refuseLineBreaks(mail.inReplyTo, 'In Reply To');
	const from = requireAddressList(account.emailAddress, "The credential's Email Address", { required: true })[0];

	const headers: Record<string, string> = {};
	for (const header of mail.headers ?? []) {
		const name = (header.name ?? '').trim();
		if (!/^[!-9;-~]+$/.test(name)) {
			throw new MailError(
				'INVALID_INPUT',
				`Header name "${name}" is not valid: use letters, digits and dashes, without spaces or colons.`,
			);
		}
		if (RESERVED_HEADERS.has(name.toLowerCase())) {
			throw new MailError(
				'INVALID_INPUT',
				`Header "${name}" is set by the node itself: use the matching parameter or option instead.`,
			);
		}
		refuseLineBreaks(header.value, `Header "${name}"`);
		headers[name] = header.value ?? '';
	}

	const inReplyTo = mail.inReplyTo?.trim() ? normalizeMessageId(mail.inReplyTo) : undefined;
	const references = [...(mail.references ?? []).map(normalizeMessageId), ...(inReplyTo ? [inReplyTo] : [])];
	const isHtml = (mail.contentType ?? 'html') === 'html';

	return {
		from: { name: mail.fromName?.trim() || from.name || '', address: from.address },
		to: toAddressString(to),
		cc: cc.length ? toAddressString(cc) : undefined,
		bcc: bcc.length ? toAddressString(bcc) : undefined,
		replyTo: replyTo.length ? toAddressString(replyTo) : undefined,
		subject: mail.subject,
		...(isHtml ? { html: mail.content, text: htmlToText(mail.content, { wordwrap: false }) } : { text: mail.content }),
		inReplyTo,
		messageId: mail.messageId ? normalizeMessageId(mail.messageId) : undefined,
		references: references.length ? [...new Set(references)] : undefined,
		headers,
		attachments: (mail.attachments ?? []).map((attachment) => ({
			filename: attachment.filename,
			content: attachment.content,
			contentType: attachment.contentType,
			...(attachment.contentDisposition ? { contentDisposition: attachment.contentDisposition } : {}),
		})),
	};
}

/** Sends one mail on a connection of its own. */
export async function sendMail(account: MailAccount, mail: OutgoingMail): Promise<SendResult> {
	const sender = openMailSender(account);
	try {
		return await sender.send(mail);
	} finally {
		sender.close();
	}
}

export interface MailSender {
	send(mail: OutgoingMail): Promise<SendResult>;
	/** Ends the SMTP sessions; safe to call when nothing was sent. */
	close(): void;
}

/** Connections a sender keeps open at most (nodemailer's pool default); mails sent at once share them. */
export const SMTP_CONNECTIONS = 5;

/**
 * Several mails over a few SMTP sessions (a nodemailer pool), opened as mails come: one execution
 * sending many items pays connect, STARTTLS and AUTH once per connection instead of per mail, and
 * mails handed over together are sent side by side (a server spends most of a mail's time on its
 * own queue, not on the wire). A rejected OAuth2 token gets new sessions with the refreshed token.
 */
export function openMailSender(account: MailAccount): MailSender {
	let transport: Transporter<SMTPTransport.SentMessageInfo> | undefined;
	const session = () => (transport ??= createSmtpTransport(account, { pool: true, maxConnections: SMTP_CONNECTIONS }));
	const closeSession = () => {
		transport?.close();
		transport = undefined;
	};
	return {
		async send(mail) {
			const message = composeMail(account, mail);
			const info = await withTokenRefresh(account, async () => {
				const used = session();
				try {
					return await deliver(account, used, message);
				} catch (error) {
					// Sessions logged in with a rejected token are dropped, so the retry logs in with the fresh one.
					if (error instanceof MailError && error.code === 'AUTH_FAILED' && transport === used) closeSession();
					throw error;
				}
			});
			const asStrings = (list: Array<string | { address: string }> | undefined) =>
				(list ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.address));
			const accepted = asStrings(info.accepted);
			return {
				is_success: accepted.length > 0,
				message_id: info.messageId,
				accepted,
				rejected: asStrings(info.rejected),
			};
		},
		close: closeSession,
	};
}

async function deliver(
	account: MailAccount,
	transport: Transporter<SMTPTransport.SentMessageInfo>,
	message: Mail.Options,
): Promise<SMTPTransport.SentMessageInfo> {
	try {
		return await transport.sendMail(message);
	} catch (error) {
		const e = error as { code?: string; responseCode?: number; response?: string; rejected?: string[] };
		if (e.code === 'EENVELOPE' || (e.responseCode && e.responseCode >= 500 && e.code !== 'EAUTH')) {
			throw new MailError(
				'SEND_FAILED',
				`The SMTP server refused the mail: ${e.response || (error as Error).message}`,
				{ service: 'SMTP', cause: error },
			);
		}
		throw describeConnectionError(error, smtpEndpoint(account));
	}
}
