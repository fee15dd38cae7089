/**
 * Send Email and Wait with the Approval and Free Text response types: the mail carries links, the
 * execution goes into n8n's waiting state (stored in n8n's database: nothing runs, no worker is
 * held, a restart keeps it), and the person's answer resumes it through the node's webhook.
 *
 * The links are n8n's signed resume URLs (`getSignedResumeUrl`: an HMAC over path and query), so an
 * altered or made-up link is refused by n8n before the node sees it. Opening a link (GET, HEAD: what
 * mail security scanners do) only shows a page; the page's form POSTs to the same URL, and only that
 * POST records the answer. After the first answer the execution has moved on, and n8n answers any
 * later click with its "No action required" page.
 */
import { randomBytes } from 'node:crypto';

import {
	WAIT_INDEFINITELY,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type IWebhookDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { MailError, parseAddressList, sendMail, type MailAccount } from '../../mail';
import type { OutgoingMail } from '../../mail';
import { approvalPage, escapeHtml, freeTextPage, recordedPage, unknownLinkPage, withResponseLinks, type ResponseLink } from './responsePages';

export type ResponseType = 'reply' | 'approval' | 'freeText';

const forTypes = (types: ResponseType[]) => ({ show: { '/responseType': types } });

export const responseTypeProperty: INodeProperties = {
	displayName: 'Response Type',
	name: 'responseType',
	type: 'options',
	default: 'reply',
	options: [
		{ name: 'Reply by Email', value: 'reply', description: 'Wait for a reply mail and read the answer from its text; the node keeps running while it waits' },
		{ name: 'Approval', value: 'approval', description: 'Approve and Reject links in the mail; the execution waits in n8n (survives restarts, holds no worker)' },
		{ name: 'Free Text', value: 'freeText', description: 'A link to a page with a text box; the execution waits in n8n (survives restarts, holds no worker)' },
	],
	description: 'How the recipient answers',
};

/** Entries of the `options` collection for Approval and Free Text. */
export const responseOptions: INodeProperties[] = [
	{
		displayName: 'Approval Type',
		name: 'approvalType',
		type: 'options',
		options: [
			{ name: 'Approve Only', value: 'single' },
			{ name: 'Approve and Reject', value: 'double' },
		],
		default: 'double',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Approve Label',
		name: 'approveLabel',
		type: 'string',
		default: 'Approve',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Reject Label',
		name: 'rejectLabel',
		type: 'string',
		default: 'Reject',
		description: 'Shown when Approval Type is Approve and Reject',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'fixedCollection',
		default: { values: { limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'days' } },
		description: 'When to stop waiting: the output then has timed_out true and an empty data, so an IF node can ' + 'branch on it',
		displayOptions: forTypes(['approval', 'freeText']),
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{
						displayName: 'Limit Type',
						name: 'limitType',
						type: 'options',
						options: [
							{ name: 'After Time Interval', value: 'afterTimeInterval' },
							{ name: 'At Specified Time', value: 'atSpecifiedTime' },
						],
						default: 'afterTimeInterval',
					},
					{
						displayName: 'Amount',
						name: 'resumeAmount',
						type: 'number',
						typeOptions: { minValue: 0, numberPrecision: 2 },
						default: 1,
						displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					},
					{
						displayName: 'Unit',
						name: 'resumeUnit',
						type: 'options',
						options: [
							{ name: 'Minutes', value: 'minutes' },
							{ name: 'Hours', value: 'hours' },
							{ name: 'Days', value: 'days' },
						],
						default: 'days',
						displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					},
					{
						displayName: 'Max Date and Time',
						name: 'maxDateAndTime',
						type: 'dateTime',
						default: '',
						displayOptions: { show: { limitType: ['atSpecifiedTime'] } },
					},
				],
			},
		],
	},
];

/**
 * The node's waiting webhooks, as n8n's own send-and-wait nodes declare them: restart webhooks on
 * the node's id, which n8n also uses to offer the node to AI agents as a human-review tool.
 */
export const responseWebhooks: IWebhookDescription[] = (['GET', 'HEAD', 'POST'] as const).map((httpMethod) => ({
	name: 'default',
	httpMethod,
	responseMode: 'onReceived',
	responseData: '',
	path: '={{ $nodeId }}',
	restartWebhook: true,
	isFullPath: true,
}));

const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/** When the wait ends on its own (Limit Wait Time), or never. */
function waitUntil(options: IDataObject): Date {
	const limit = (options.limitWaitTime as IDataObject | undefined)?.values as IDataObject | undefined;
	if (!limit) return WAIT_INDEFINITELY;
	const until = limit.limitType === 'atSpecifiedTime'
		? new Date(String(limit.maxDateAndTime ?? ''))
		: new Date(Date.now() + Number(limit.resumeAmount ?? 1) * (UNIT_MS[String(limit.resumeUnit ?? 'days')] ?? NaN));
	if (Number.isNaN(until.getTime())) {
		throw new MailError('INVALID_INPUT', 'Limit Wait Time is not a valid time: give an amount and a unit, or a date and time.');
	}
	return until;
}

// All mails of one node run share a random token, from which each item's Message-ID is made
// (`<token.N@domain>`): the links carry the token and the item count, so the webhook can give every
// item its own sent_message_id back without any state kept between the send and the answer. The
// router runs every item of one node run with the same context object, which keys the token.
const runTokens = new WeakMap<object, string>();

function runToken(context: IExecuteFunctions): string {
	let token = runTokens.get(context);
	if (!token) {
		token = `mailbox-${randomBytes(12).toString('hex')}`;
		runTokens.set(context, token);
	}
	return token;
}

function messageIdOf(ref: string, itemIndex: number): string {
	const at = ref.lastIndexOf('@');
	return `<${ref.slice(0, at)}.${itemIndex}${ref.slice(at)}>`;
}

function questionOf(context: IWebhookFunctions): string {
	try {
		return String(context.getNodeParameter('subject', ''));
	} catch {
		// An expression over the input items cannot be worked out here: the page goes without it.
		return '';
	}
}

/**
 * The links of one item's mail. Each carries the answer it stands for, the run token and the item
 * count, all covered by n8n's signature.
 */
function responseLinks(context: IExecuteFunctions, responseType: ResponseType, options: IDataObject, ref: string): ResponseLink[] {
	const common = { ref, n: String(context.getInputData().length) };
	if (responseType === 'freeText') return [{ label: 'Respond', url: context.getSignedResumeUrl(common) }];
	const links = [{ label: String(options.approveLabel || 'Approve'), url: context.getSignedResumeUrl({ ...common, approved: 'true' }) }];
	if ((options.approvalType ?? 'double') === 'double') {
		links.push({ label: String(options.rejectLabel || 'Reject'), url: context.getSignedResumeUrl({ ...common, approved: 'false' }) });
	}
	return links;
}

/** As an AI agent's human-review tool, n8n gives the node a `message` saying which tool call waits for approval. */
function toolMessage(context: IExecuteFunctions, itemIndex: number, mail: OutgoingMail): string {
	if (!context.getNode().type.endsWith('HitlTool')) return mail.content;
	const message = String(context.getNodeParameter('message', itemIndex, ''));
	if (mail.contentType === 'text') return [mail.content, message].filter(Boolean).join('\n\n');
	return [mail.content, message ? `<pre style="white-space:pre-wrap">${escapeHtml(message)}</pre>` : ''].filter(Boolean).join('\n');
}

/** Sends one item's mail with its links and puts the execution to wait; the answer comes through `webhook`. */
export async function askPerson(context: IExecuteFunctions, itemIndex: number, account: MailAccount, mail: OutgoingMail, responseType: ResponseType): Promise<INodeExecutionData[]> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const until = waitUntil(options);
	const domain = parseAddressList(account.emailAddress)[0]?.address.split('@')[1] || 'localhost';
	const ref = `${runToken(context)}@${domain}`;
	const messageId = messageIdOf(ref, itemIndex);
	const links = responseLinks(context, responseType, options, ref);
	const note = 'Each link opens a page where you confirm your answer; opening a link alone records nothing.';
	await sendMail(account, { ...mail, messageId, content: withResponseLinks(toolMessage(context, itemIndex, mail), mail.contentType ?? 'html', links, note) });

	// When the wait ends without an answer, n8n resumes the execution with the node passing its input
	// on: that input becomes the timed-out item here (the stack entry's own copy, not the items the
	// previous node output).
	const executeData = context.getExecuteData();
	const pending = [...(executeData.data.main[0] ?? [])];
	pending[itemIndex] = { json: { data: {}, responded_at: null, timed_out: true, sent_message_id: messageId }, pairedItem: { item: itemIndex } };
	executeData.data = { ...executeData.data, main: [pending, ...executeData.data.main.slice(1)] };

	// n8n 1.x checks the links' signatures only when asked to; 2.x always does and has no such call.
	context.setSignatureValidationRequired?.();
	await context.putExecutionToWait(until);
	return [{ json: context.getInputData()[itemIndex].json, pairedItem: { item: itemIndex } }];
}

function sendPage(context: IWebhookFunctions, status: number, html: string | undefined): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(status);
	res.setHeader('Content-Type', 'text/html; charset=utf-8');
	res.setHeader('Cache-Control', 'no-store');
	res.setHeader('Referrer-Policy', 'no-referrer');
	res.setHeader('X-Robots-Tag', 'noindex, nofollow');
	res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; " + "base-uri 'none'");
	res.end(html);
	return { noWebhookResponse: true };
}

/** The answer as the node's output: one item per input item, each with its own mail's Message-ID. */
function answerItems(query: Record<string, unknown>, data: IDataObject): INodeExecutionData[] {
	const ref = typeof query.ref === 'string' && /^mailbox-[0-9a-f]{24}@[^\s<>@]+$/.test(query.ref) ? query.ref : '';
	const count = Math.min(Math.max(1, Number.parseInt(String(query.n ?? '1'), 10) || 1), 10_000);
	const respondedAt = new Date().toISOString();
	return Array.from({ length: count }, (_, itemIndex) => ({
		json: { data, responded_at: respondedAt, timed_out: false, sent_message_id: ref ? messageIdOf(ref, itemIndex) : '' },
		pairedItem: { item: itemIndex },
	}));
}

/**
 * The node's webhook: a page for GET and HEAD, the answer for POST. n8n has checked the link's signature before
 * this runs.
 */
export async function webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const method = this.getRequestObject().method;
	const responseType = this.getNodeParameter('responseType', 'reply') as ResponseType;
	const query = this.getQueryData() as Record<string, unknown>;
	if (responseType === 'reply' || (responseType === 'approval' && query.approved !== 'true' && query.approved !== 'false')) {
		return sendPage(this, 404, method === 'HEAD' ? undefined : unknownLinkPage());
	}
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const approved = query.approved === 'true';
	const label = approved ? String(options.approveLabel || 'Approve') : String(options.rejectLabel || 'Reject');
	if (method !== 'POST') {
		const page = responseType === 'approval' ? approvalPage(questionOf(this), { label }) : freeTextPage(questionOf(this));
		return sendPage(this, 200, method === 'HEAD' ? undefined : page);
	}
	if (responseType === 'approval') {
		sendPage(this, 200, recordedPage(label));
		return { noWebhookResponse: true, workflowData: [answerItems(query, { approved })] };
	}
	const body = this.getBodyData() as IDataObject;
	const text = String(body.text ?? (body.data as IDataObject | undefined)?.text ?? '').trim();
	if (!text) return sendPage(this, 400, freeTextPage(questionOf(this), 'Please write an answer before sending.'));
	sendPage(this, 200, recordedPage(text));
	return { noWebhookResponse: true, workflowData: [answerItems(query, { text })] };
}
