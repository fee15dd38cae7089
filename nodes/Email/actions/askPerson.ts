/**
 * Send Email and Wait with the Approval and Free Text response types: the mail carries links, the
 * execution goes into n8n's waiting state (stored in n8n's database: nothing runs, no worker is
 * held, a restart keeps it), and the person's answer resumes it through the node's webhook.
 *
 * The links are n8n's signed resume URLs (`getSignedResumeUrl`: an HMAC over path and query), so an
 * altered or made-up link is refused by n8n before the node sees it. Opening a link (GET, HEAD: what
 * mail security scanners do) only shows a page; the page's form POSTs to the same URL, and only that
 * POST records the answer.
 *
 * Every recipient gets a mail of their own, with links made (and signed) for them: an answer
 * records who gave it, and a forwarded link still speaks for the recipient it was made for. The
 * question as sent, who was asked and every answer so far are kept with the waiting execution (in
 * the metadata of its waiting stack entry, saved by n8n with the execution). When more answers are
 * needed (Approvals Required `all` or a number), the webhook resumes the execution with this node
 * enabled again, and the node puts it back to wait with the answer added: each answer is saved in
 * n8n's database before the person sees "recorded", so a restart between two answers loses none.
 * Once the execution has moved on, n8n answers any later click with its "No action required" page.
 */
import { randomBytes } from 'node:crypto';

import { convert as htmlToText } from 'html-to-text';

import {
	NodeOperationError,
	WAIT_INDEFINITELY,
	type IDataObject,
	type IExecuteData,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IRunExecutionData,
	type IWebhookResponseData,
} from 'n8n-workflow';

import {
	MailError,
	normalizeAddress,
	openMailSender,
	parseAddressList,
	requireAddressList,
	type MailAccount,
} from '../../mail';
import type { OutgoingMail } from '../../mail';
import type { ResponseType } from '../descriptions/askPerson.description';
import { decide, parseApprovalsRequired, voteOf, type ApprovalState, type Outcome, type Vote } from './approvalVotes';
import {
	alreadyAnsweredPage,
	approvalPage,
	busyPage,
	escapeHtml,
	freeTextPage,
	recordedPage,
	sendPage,
	unknownLinkPage,
	withResponseLinks,
	type ResponseLink,
} from './responsePages';

const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/** When the wait ends on its own (Limit Wait Time), or never. */
function waitUntil(options: IDataObject): Date {
	const limit = (options.limitWaitTime as IDataObject | undefined)?.values as IDataObject | undefined;
	if (!limit) return WAIT_INDEFINITELY;
	const until =
		limit.limitType === 'atSpecifiedTime'
			? new Date(String(limit.maxDateAndTime ?? ''))
			: new Date(Date.now() + Number(limit.resumeAmount ?? 1) * (UNIT_MS[String(limit.resumeUnit ?? 'days')] ?? NaN));
	if (Number.isNaN(until.getTime())) {
		throw new MailError(
			'INVALID_INPUT',
			'Limit Wait Time is not a valid time: give an amount and a unit, or a date and time.',
		);
	}
	return until;
}

// All mails of one node run share a random token, from which each mail's Message-ID is made
// (`<token.N@domain>` for an item's first recipient, `<token.N.K@domain>` for the others). The
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

function messageIdOf(ref: string, itemIndex: number, recipientIndex = 0): string {
	const at = ref.lastIndexOf('@');
	const suffix = recipientIndex === 0 ? `${itemIndex}` : `${itemIndex}.${recipientIndex}`;
	return `<${ref.slice(0, at)}.${suffix}${ref.slice(at)}>`;
}

// The state lives in the metadata of the waiting node's stack entry: n8n saves it with the
// execution, hands it back to the webhook, and passes only the entry's items on when the wait ends.
const STATE_KEY = 'mailboxApproval';
const QUESTION_TEXT_LIMIT = 20_000;

function stateOf(entry: IExecuteData | undefined): ApprovalState | undefined {
	return (entry?.metadata as Record<string, unknown> | undefined)?.[STATE_KEY] as ApprovalState | undefined;
}

function keepState(entry: IExecuteData, state: ApprovalState): void {
	entry.metadata = { ...entry.metadata, [STATE_KEY]: state } as IExecuteData['metadata'];
}

/** Every address a mail goes to (To, CC, BCC), lower-cased, once each: the people asked. */
function recipientsOf(mail: Pick<OutgoingMail, 'recipients' | 'cc' | 'bcc'>): string[] {
	const lists = [
		requireAddressList(mail.recipients, 'Recipients', { required: true }),
		requireAddressList(mail.cc, 'CC'),
		requireAddressList(mail.bcc, 'BCC'),
	];
	return [...new Set(lists.flat().map((entry) => normalizeAddress(entry.address)))];
}

/** Who is asked and how many answers it takes, read once per node run, before any mail goes out. */
function newState(context: IExecuteFunctions, options: IDataObject, until: Date): ApprovalState {
	const required = parseApprovalsRequired(options.approvalsRequired);
	if (!required) {
		const given = String(options.approvalsRequired);
		throw new MailError(
			'INVALID_INPUT',
			`Approvals Required "${given}" is not valid: write "first", "all" or a whole number of at least 1.`,
		);
	}
	const asked = context.getInputData().flatMap((_, itemIndex) =>
		recipientsOf({
			recipients: context.getNodeParameter('recipients', itemIndex) as string,
			cc: context.getNodeParameter('cc', itemIndex, '') as string,
			bcc: context.getNodeParameter('bcc', itemIndex, '') as string,
		}),
	);
	const voters = [...new Set(asked)];
	if (typeof required === 'number' && required > voters.length) {
		const problem = `Approvals Required is ${required}, but the question goes to ${voters.length} recipient(s)`;
		throw new MailError('INVALID_INPUT', `${problem}: lower it or add recipients.`);
	}
	const rejectOnAnyReject = options.rejectOnAnyReject !== false;
	return { required, rejectOnAnyReject, voters, votes: [], questions: [], until: until.toISOString() };
}

/** One recipient's links; each carries the item, the recipient and the answer it stands for, all signed by n8n. */
function responseLinks(
	context: IExecuteFunctions,
	responseType: ResponseType,
	options: IDataObject,
	itemIndex: number,
	recipient: string,
): ResponseLink[] {
	const common = { i: String(itemIndex), to: recipient };
	if (responseType === 'freeText') return [{ label: 'Respond', url: context.getSignedResumeUrl(common) }];
	const links = [
		{
			label: String(options.approveLabel || 'Approve'),
			url: context.getSignedResumeUrl({ ...common, approved: 'true' }),
		},
	];
	if ((options.approvalType ?? 'double') === 'double') {
		links.push({
			label: String(options.rejectLabel || 'Reject'),
			url: context.getSignedResumeUrl({ ...common, approved: 'false' }),
		});
	}
	return links;
}

/**
 * As an AI agent's human-review tool, n8n gives the node a `message` saying which tool call waits
 * for approval (its default shows the call's input as "[object Object]"), and the call itself as the
 * input item: the mail shows both, the call's input written out, so the person sees what they allow.
 */
function toolMessage(context: IExecuteFunctions, itemIndex: number, mail: OutgoingMail): string {
	if (!context.getNode().type.endsWith('HitlTool')) return mail.content;
	const message = String(context.getNodeParameter('message', itemIndex, ''));
	const call = context.getInputData()[itemIndex]?.json ?? {};
	const parameters = JSON.stringify(call.toolParameters, null, 2);
	const input = call.toolParameters === undefined ? '' : `Tool: ${String(call.tool ?? '')}\nInput:\n${parameters}`;
	const parts = [message, input].filter(Boolean);
	if (mail.contentType === 'text') return [mail.content, ...parts].filter(Boolean).join('\n\n');
	const blocks = parts.map((part) => `<pre style="white-space:pre-wrap">${escapeHtml(part)}</pre>`);
	return [mail.content, ...blocks].filter(Boolean).join('\n');
}

function questionText(content: string, contentType: OutgoingMail['contentType']): string {
	const text = (contentType ?? 'html') === 'html' ? htmlToText(content, { wordwrap: false }) : content;
	return text.trim().slice(0, QUESTION_TEXT_LIMIT);
}

/** The node's output if the wait ends now without a decision: timed out, with the answers so far. */
function pendingItems(state: ApprovalState): INodeExecutionData[] {
	const data = state.votes.length ? { votes: state.votes as unknown as IDataObject[] } : {};
	return state.questions.map((question, item) => ({
		json: { data, responded_at: null, timed_out: true, sent_message_id: question.sent_message_id },
		pairedItem: { item },
	}));
}

function decidedItems(
	state: ApprovalState,
	outcome: Extract<Outcome, { done: true }>,
	votes: Vote[],
): INodeExecutionData[] {
	const answer = outcome.text !== undefined ? { text: outcome.text } : { approved: outcome.approved };
	const data = { ...answer, responded_by: outcome.by, votes: votes as unknown as IDataObject[] };
	const respondedAt = votes[votes.length - 1].at;
	return state.questions.map((question, item) => ({
		json: { data, responded_at: respondedAt, timed_out: false, sent_message_id: question.sent_message_id },
		pairedItem: { item },
	}));
}

/**
 * Sends one item's mails, one per recipient with their own links, and puts the execution to wait;
 * the answers come through `webhook`.
 */
export async function askPerson(
	context: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
	mail: OutgoingMail,
	responseType: ResponseType,
): Promise<INodeExecutionData[]> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const entry = context.getExecuteData();
	if (itemIndex === 0 || !stateOf(entry)) keepState(entry, newState(context, options, waitUntil(options)));
	const state = stateOf(entry)!;
	const domain = parseAddressList(account.emailAddress)[0]?.address.split('@')[1] || 'localhost';
	const ref = `${runToken(context)}@${domain}`;
	const content = toolMessage(context, itemIndex, mail);
	const contentType = mail.contentType ?? 'html';
	const note = 'Each link opens a page where you confirm your answer; opening a link alone records nothing.';
	const sender = openMailSender(account);
	try {
		await Promise.all(
			recipientsOf(mail).map((recipient, index) =>
				sender.send({
					...mail,
					recipients: recipient,
					cc: '',
					bcc: '',
					messageId: messageIdOf(ref, itemIndex, index),
					content: withResponseLinks(
						content,
						contentType,
						responseLinks(context, responseType, options, itemIndex, recipient),
						note,
					),
				}),
			),
		);
	} finally {
		sender.close();
	}
	const text = questionText(content, contentType);
	state.questions[itemIndex] = { subject: mail.subject, text, sent_message_id: messageIdOf(ref, itemIndex) };

	// When the wait ends without an answer, n8n resumes the execution with the node passing the
	// entry's items on: they are the timed-out items (the entry's own copy, not the previous node's).
	const pending = [...(entry.data.main[0] ?? [])];
	pending[itemIndex] = pendingItems(state)[itemIndex];
	entry.data = { ...entry.data, main: [pending, ...entry.data.main.slice(1)] };

	// n8n 1.x checks the links' signatures only when asked to; 2.x always does and has no such call.
	context.setSignatureValidationRequired?.();
	await context.putExecutionToWait(new Date(state.until));
	return [{ json: context.getInputData()[itemIndex].json, pairedItem: { item: itemIndex } }];
}

/**
 * An answer was recorded and more are needed: the webhook resumed the execution with this node
 * enabled, and it waits again with the answers kept (same deadline). Undefined for any other run.
 */
export async function waitAgain(context: IExecuteFunctions): Promise<INodeExecutionData[][] | undefined> {
	const entry = context.getExecuteData();
	const state = stateOf(entry);
	if (!state?.waitAgain) return undefined;
	const kept = { ...state, waitAgain: false };
	keepState(entry, kept);
	const pending = pendingItems(kept);
	entry.data = { main: [pending] };
	context.setSignatureValidationRequired?.();
	await context.putExecutionToWait(new Date(kept.until));
	return [pending];
}

/**
 * The stack entry of this node as it waits. n8n hands the webhook of a waiting execution that
 * execution's data (the webhook context keeps it as `runExecutionData`; no public call returns it);
 * its first stack entry is the waiting node, which n8n has just disabled so that it passes its
 * items on when resumed.
 */
function waitingEntry(context: IWebhookFunctions): IExecuteData | undefined {
	// Read from n8n's internals: an n8n that stops handing it over must fail plainly, not answer every
	// link with "unknown link" (the host tests of both majors prove it is there).
	if (!('runExecutionData' in context)) {
		throw new NodeOperationError(
			context.getNode(),
			'This n8n does not hand the waiting execution to the webhook (runExecutionData): Approval and Free ' +
				'Text answers cannot be recorded. Use the response type Reply, or an n8n version this package supports.',
		);
	}
	const run = (context as unknown as { runExecutionData?: IRunExecutionData | null }).runExecutionData;
	const entry = run?.executionData?.nodeExecutionStack[0];
	return entry?.node.name === context.getNode().name ? entry : undefined;
}

// Two answers to one question at the same moment would each resume the execution from the same
// saved state, and the later would overwrite the earlier. n8n refuses an answer once the execution
// runs; for the moment before, an answer whose saved state lacks an answer this n8n process is
// saving (it was read before that one was saved) is asked to be sent again.
const savingAnswers = new Map<string, { until: number; votes: number }>();
const SAVE_WINDOW_MS = 30_000;

/** False when the state an answer was read with is older than an answer being saved. */
function startSaving(question: string, state: ApprovalState): boolean {
	const now = Date.now();
	for (const [key, saving] of savingAnswers) if (saving.until <= now) savingAnswers.delete(key);
	if (state.votes.length < (savingAnswers.get(question)?.votes ?? 0)) return false;
	savingAnswers.set(question, { until: now + SAVE_WINDOW_MS, votes: state.votes.length + 1 });
	return true;
}

/** Who sent the answer, as far as the request tells: kept with the vote. */
function requester(context: IWebhookFunctions): Pick<Vote, 'ip' | 'user_agent'> {
	const request = context.getRequestObject();
	const agent = request.headers['user-agent'];
	const ip = String(request.ip ?? request.socket?.remoteAddress ?? '');
	return { ip, user_agent: String(agent ?? '').slice(0, 500) };
}

/**
 * The node's webhook: a page for GET and HEAD, the answer for POST. n8n has checked the link's
 * signature before this runs, so the item, the recipient and the choice in the query are as sent.
 */
export async function webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const method = this.getRequestObject().method;
	const page = (status: number, html: string) => sendPage(this, status, method === 'HEAD' ? undefined : html);
	const responseType = this.getNodeParameter('responseType', 'reply') as ResponseType;
	const query = this.getQueryData() as Record<string, unknown>;
	const entry = waitingEntry(this);
	const state = stateOf(entry);
	const recipient = String(query.to ?? '');
	const question = state?.questions[Number(query.i)];
	const choice = ({ true: true, false: false } as Record<string, boolean | undefined>)[String(query.approved)];
	const unknown = responseType === 'reply' || !entry || !state || !question || !state.voters.includes(recipient);
	if (unknown || (responseType === 'approval' && choice === undefined)) {
		return page(404, unknownLinkPage());
	}
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const labelOf = (approved: boolean | undefined) =>
		approved === false ? String(options.rejectLabel || 'Reject') : String(options.approveLabel || 'Approve');
	const earlier = voteOf(state.votes, recipient);
	if (earlier) return page(200, alreadyAnsweredPage(question, earlier.text ?? labelOf(earlier.approved)));
	if (method !== 'POST') {
		return page(
			200,
			responseType === 'approval' ? approvalPage(question, { label: labelOf(choice) }) : freeTextPage(question),
		);
	}

	// An empty form (the approval page's button) comes with no body at all.
	const body = (this.getBodyData() ?? {}) as IDataObject;
	const typed = body.text ?? (body.data as IDataObject | undefined)?.text ?? '';
	const text = responseType === 'freeText' ? String(typed).trim() : '';
	if (responseType === 'freeText' && !text) {
		return page(400, freeTextPage(question, 'Please write an answer before sending.'));
	}
	if (!startSaving(state.questions[0].sent_message_id, state)) return page(409, busyPage(question));
	const answer = responseType === 'approval' ? { approved: choice } : { text };
	const votes = [...state.votes, { by: recipient, ...answer, at: new Date().toISOString(), ...requester(this) }];
	const outcome = decide(state, votes);
	if (outcome.done) {
		page(200, recordedPage(text || labelOf(choice)));
		return { noWebhookResponse: true, workflowData: [decidedItems(state, outcome, votes)] };
	}
	// More answers are needed: n8n resumes the execution with this node enabled again, and the node
	// (waitAgain) puts it back to wait; the answer is saved with the execution on the way.
	const kept = { ...state, votes, waitAgain: true };
	keepState(entry, kept);
	entry.node.disabled = false;
	page(200, recordedPage(text || labelOf(choice), 'The question now waits for the other answers.'));
	return { noWebhookResponse: true, workflowData: [pendingItems(kept)] };
}
