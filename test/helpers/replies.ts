import { simpleParser, type AddressObject } from 'mailparser';
import nodemailer from 'nodemailer';

import { ca, servers, waitForMessages } from './servers';

export interface Question {
	messageId: string;
	subject: string;
	from: string;
	date: Date;
	text: string;
}

/** Waits for the question to arrive in the recipient's INBOX and reads what a mail client shows. */
export async function receiveQuestion(recipient: string, index = 0, timeoutMs = 15000): Promise<Question> {
	const messages = await waitForMessages(recipient, index + 1, { timeoutMs });
	const parsed = await simpleParser(messages[index].source);
	return {
		messageId: parsed.messageId ?? '',
		subject: parsed.subject ?? '',
		from: (parsed.from as AddressObject).text,
		date: parsed.date ?? new Date(),
		text: parsed.text ?? '',
	};
}

export interface LinkedQuestion {
	messageId: string;
	html: string;
	text: string;
	/** The response links of the mail (Approval, Free Text), by label. */
	links: Record<string, string>;
}

/**
 * The index-th question in the recipient's INBOX and its response links: the HTML part's buttons, or
 * the text part's "Label: URL" lines when the mail is plain text.
 */
export async function receiveLinks(recipient: string, index = 0, timeoutMs = 120_000): Promise<LinkedQuestion> {
	const messages = await waitForMessages(recipient, index + 1, { timeoutMs });
	const parsed = await simpleParser(messages[index].source);
	const html = typeof parsed.html === 'string' ? parsed.html : '';
	const text = parsed.text ?? '';
	const links: Record<string, string> = {};
	for (const [, href, label] of html.matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g))
		links[label] = href.replace(/&amp;/g, '&');
	if (!html) for (const [, label, url] of text.matchAll(/^(\w[\w ]*): (http\S+)$/gm)) links[label] = url;
	return { messageId: parsed.messageId ?? '', html, text, links };
}

/** What the answer page's form sends when the person presses its button: a plain HTML form POST. */
export function postForm(url: string, fields: Record<string, string> = {}): Promise<Response> {
	return fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(fields).toString(),
	});
}

export interface ReplyContent {
	/** The text the person types above the quote (top-posting), or below it when `bottomPost`. */
	text?: string;
	/** An HTML-only reply: the typed HTML, with the question quoted in a blockquote as Gmail does. */
	html?: string;
	bottomPost?: boolean;
	signature?: string;
	subject?: string;
	/** Thread headers to leave out, to send mail that is not a reply. */
	unthreaded?: boolean;
	headers?: Record<string, string>;
}

/**
 * Replies over SMTP (Postfix, STARTTLS, logged in as `replier`) the way a mail client does: "Re:"
 * subject, In-Reply-To and References, the question quoted under "On ... wrote:", a signature.
 */
export async function replyAs(replier: string, to: string, question: Question, content: ReplyContent): Promise<string> {
	const info = servers();
	const attribution = `On ${question.date.toUTCString()}, ${question.from} wrote:`;
	const quotedLines = question.text
		.trim()
		.split(/\r?\n/)
		.map((line) => `> ${line}`)
		.join('\n');
	const signature = content.signature ?? 'Ann Analyst\nSOC team';
	const typed = content.text ?? '';
	const text = content.bottomPost
		? `${attribution}\n${quotedLines}\n\n${typed}\n\n-- \n${signature}\n`
		: `${typed}\n\n-- \n${signature}\n\n${attribution}\n${quotedLines}\n`;
	const html =
		content.html !== undefined
			? `<div dir="ltr">${content.html}</div><br><div class="gmail_quote"><div class="gmail_attr">${attribution.replace(/</g, '&lt;').replace(/>/g, '&gt;')}<br></div><blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">${question.text.trim().replace(/\n/g, '<br>')}</blockquote></div>`
			: undefined;
	const transport = nodemailer.createTransport({
		host: info.host,
		port: info.ports.smtp,
		secure: false,
		requireTLS: true,
		auth: { user: replier, pass: info.password },
		tls: { ca: ca() },
	});
	try {
		const sent = await transport.sendMail({
			from: replier,
			to,
			subject: content.subject ?? `Re: ${question.subject}`,
			...(html ? { html } : { text }),
			...(content.unthreaded ? {} : { inReplyTo: question.messageId, references: [question.messageId] }),
			headers: content.headers,
		});
		return sent.messageId;
	} finally {
		transport.close();
	}
}
