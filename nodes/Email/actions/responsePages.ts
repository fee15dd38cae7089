/**
 * What a person sees when asked through Send Email and Wait's Approval and Free Text response types:
 * the links added to the mail, and the pages behind them. Plain HTML with inline styles, no script
 * and nothing loaded from elsewhere, so it works in any browser and with JavaScript off.
 *
 * Security mailboxes sit behind gateways that open every link of a mail: opening a link only shows a
 * page, and the answer is recorded by the page's form (a POST), which scanners do not submit.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

export interface ResponseLink {
	label: string;
	url: string;
}

export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

const BUTTON =
	'display:inline-block;padding:10px 22px;border-radius:6px;background:#1f4f99;color:#ffffff;' +
	'font:600 15px sans-serif;text-decoration:none';

/**
 * The mail's content with the response links below it, in the mail's own format. Each link stands
 * on a line of its own, also in the text part made from the HTML (a block per button).
 */
export function withResponseLinks(
	content: string,
	contentType: 'html' | 'text',
	links: ResponseLink[],
	note: string,
): string {
	if (contentType === 'text') {
		return `${content}\n\n${links.map((link) => `${link.label}: ${link.url}`).join('\n')}\n\n${note}\n`;
	}
	const button = (link: ResponseLink) =>
		`<a href="${escapeHtml(link.url)}" style="${BUTTON}">${escapeHtml(link.label)}</a>`;
	const buttons = links.map((link) => `<p style="margin:0 0 12px">${button(link)}</p>`).join('\n');
	const hint = `<p style="font:12px sans-serif;color:#666666">${escapeHtml(note)}</p>`;
	return `${content}\n<div style="margin:24px 0 8px">\n${buttons}\n</div>\n${hint}\n`;
}

function page(title: string, body: string): string {
	return [
		'<!DOCTYPE html>',
		'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
		'<meta name="robots" content="noindex, nofollow">',
		`<title>${escapeHtml(title)}</title>`,
		'<style>body{font:16px/1.5 sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:24px}' +
			'main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:28px 32px;' +
			'box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:20px;margin:0 0 12px}p.hint{color:#5a6270;font-size:14px}' +
			'button{font:600 16px sans-serif;padding:10px 24px;border:0;border-radius:6px;background:#1f4f99;color:#fff;' +
			'cursor:pointer}div.question{white-space:pre-wrap;margin:0 0 16px;padding:12px;background:#f4f5f7;' +
			'border-radius:6px}textarea{width:100%;box-sizing:border-box;min-height:140px;font:15px sans-serif;padding:8px;' +
			'margin:8px 0 16px}</style>',
		'</head><body><main>',
		body,
		'</main></body></html>',
	].join('\n');
}

/** The question as it was sent: what the mail's subject and text said, not the parameters now. */
export interface PageQuestion {
	subject: string;
	text: string;
}

function asked(question: PageQuestion): string {
	const text = question.text ? `\n<div class="question">${escapeHtml(question.text)}</div>` : '';
	return `<h1>${escapeHtml(question.subject || 'Your answer is asked for')}</h1>${text}`;
}

/**
 * The page a link opens: it records nothing. Its form has no action, so the browser posts to the
 * very URL that was opened (signed by n8n, with the choice in it): the POST is the answer.
 */
export function approvalPage(question: PageQuestion, choice: { label: string }): string {
	return page(
		choice.label,
		[
			asked(question),
			`<p>Your answer: <strong>${escapeHtml(choice.label)}</strong>.</p>`,
			'<form method="post">',
			`<button type="submit">${escapeHtml(choice.label)}</button>`,
			'</form>',
			'<p class="hint">Nothing is recorded until you press the button.</p>',
		].join('\n'),
	);
}

export function freeTextPage(question: PageQuestion, problem?: string): string {
	return page(
		question.subject || 'Your answer is asked for',
		[
			asked(question),
			problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : '',
			'<form method="post">',
			'<label for="text">Your answer</label>',
			'<textarea id="text" name="text" required></textarea>',
			'<button type="submit">Send</button>',
			'</form>',
			'<p class="hint">Nothing is recorded until you press Send.</p>',
		].join('\n'),
	);
}

export function recordedPage(answer: string, next = 'You can close this page.'): string {
	const body = `<p>${escapeHtml(answer)}</p>\n<p class="hint">${escapeHtml(next)}</p>`;
	return page('Answer recorded', `<h1>Thank you: your answer was recorded</h1>\n${body}`);
}

/** A recipient's second answer: it changes nothing. */
export function alreadyAnsweredPage(question: PageQuestion, answer: string): string {
	const given = `<strong>${escapeHtml(answer)}</strong>`;
	return page(
		'Already answered',
		`${asked(question)}\n<p>You have already answered: ${given}. Your answer stays as it was.</p>`,
	);
}

/** Another answer to the same question is being saved right now: nothing was recorded. */
export function busyPage(question: PageQuestion): string {
	return page(
		'Please try again',
		[
			asked(question),
			'<p><strong>Another answer is being saved right now: nothing was recorded.</strong></p>',
			'<p>Go back and press the button again in a few seconds.</p>',
		].join('\n'),
	);
}

export function unknownLinkPage(): string {
	return page(
		'Link not valid',
		'<h1>This link is not valid</h1>\n<p class="hint">It does not belong to a question waiting for an answer.</p>',
	);
}

/** Sends a page with the strict headers every answer page has: no script, no framing, no referrer, no store. */
export function sendPage(context: IWebhookFunctions, status: number, html: string | undefined): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(status);
	res.setHeader('Content-Type', 'text/html; charset=utf-8');
	res.setHeader('Cache-Control', 'no-store');
	res.setHeader('Referrer-Policy', 'no-referrer');
	res.setHeader('X-Robots-Tag', 'noindex, nofollow');
	res.setHeader(
		'Content-Security-Policy',
		"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	);
	res.end(html);
	return { noWebhookResponse: true };
}
