/**
 * Send Email and Wait with the Approval and Free Text response types in a real n8n under `n8n start`,
 * driven with plain HTTP requests as a mail security scanner and a person would send them: the
 * execution waits in n8n's waiting state, a scanner's GET and HEAD record nothing, an altered or
 * made-up link is refused, the person's POST from the page resumes the execution, a second answer
 * comes too late, and a waiting execution survives a restart of n8n.
 */
import { rmSync } from 'node:fs';

import { askWorkflow, importCredential, importWorkflow, n8nMajors, prepareN8n } from '../helpers/n8n';
import { postForm, receiveLinks, receiveQuestion, type LinkedQuestion } from '../helpers/replies';
import { credentialsFor, newMailbox } from '../helpers/servers';
import { N8nRest, waitFor, type StoredExecution } from '../queue/cluster';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

jest.setTimeout(600_000);

describe.each(n8nMajors())('Approval and Free Text in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;
	let child: unknown;
	let rest: N8nRest;
	let url: string;
	const soc = newMailbox(`n8n${major}-ask-soc`);
	const analyst = newMailbox(`n8n${major}-ask-analyst`);
	const lead = newMailbox(`n8n${major}-ask-lead`);
	const received = new Map<string, number>();
	/** The next question in a mailbox (each mailbox counted on its own). */
	const nextQuestion = (mailbox: string) => {
		const index = received.get(mailbox) ?? 0;
		received.set(mailbox, index + 1);
		return receiveLinks(mailbox, index);
	};
	const workflows = {
		approval: { id: `mailboxAsk${major}appr`, path: `approve-${major}` },
		freeText: { id: `mailboxAsk${major}text`, path: `free-text-${major}` },
		limited: { id: `mailboxAsk${major}lim1`, path: `limited-${major}` },
		both: { id: `mailboxAsk${major}both`, path: `both-${major}` },
	};

	const start = async () => {
		child = await host.startN8n(setup.n8n, setup.userFolder);
		rest = new N8nRest(url);
		await rest.login();
	};
	const stop = async () => {
		await processes.stopChild(child);
	};

	/** Starts the workflow through its webhook; returns the new execution's id once it waits, and its question mail. */
	async function ask(
		workflow: { id: string; path: string },
		recipients = [analyst],
	): Promise<{ executionId: string; question: LinkedQuestion }> {
		return askItems(
			workflow,
			recipients.map((to) => ({ to })),
		);
	}

	async function askItems(
		workflow: { id: string; path: string },
		items: Array<{ to: string }>,
	): Promise<{ executionId: string; question: LinkedQuestion }> {
		const before = new Set((await rest.executions(workflow.id)).map((execution) => execution.id));
		const body = JSON.stringify({ recipients: items });
		const started = await fetch(`${url}/webhook/${workflow.path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body,
		});
		expect(started.status).toBe(200);
		const [execution] = await waitFor(
			`an execution of ${workflow.id} to wait`,
			120_000,
			() => rest.executions(workflow.id),
			(list) => list.some((entry) => !before.has(entry.id) && entry.status === 'waiting'),
		);
		const question = await nextQuestion(analyst);
		return { executionId: execution.id, question };
	}

	const stored = (executionId: string) => rest.execution(executionId, setup.n8n.folder);
	const finished = (executionId: string) =>
		waitFor(
			`execution ${executionId} to finish`,
			120_000,
			() => stored(executionId),
			(execution: StoredExecution) => !['new', 'running', 'waiting'].includes(execution.status),
		);

	beforeAll(async () => {
		setup = prepareN8n(major);
		const { n8n, userFolder } = setup;
		url = `http://127.0.0.1:${host.n8nPort()}`;
		importCredential(n8n, userFolder, 'mailboxAskCred1', credentialsFor(soc));
		const common = { content: '<p>Sender 203.0.113.7 sent 40 phishing mails. Block it on the gateway?</p>' };
		const definitions = [
			askWorkflow(workflows.approval.id, workflows.approval.path, 'mailboxAskCred1', {
				...common,
				subject: `Block 203.0.113.7? (${major}.x)`,
				responseType: 'approval',
				options: { approveLabel: 'Block it', rejectLabel: 'Leave it' },
			}),
			askWorkflow(workflows.freeText.id, workflows.freeText.path, 'mailboxAskCred1', {
				...common,
				subject: `Why was 203.0.113.7 allowed? (${major}.x)`,
				responseType: 'freeText',
				options: { contentType: 'text' },
			}),
			askWorkflow(workflows.limited.id, workflows.limited.path, 'mailboxAskCred1', {
				...common,
				subject: `Quick decision (${major}.x)`,
				responseType: 'approval',
				options: {
					approvalType: 'single',
					limitWaitTime: { values: { limitType: 'afterTimeInterval', resumeAmount: 0.05, resumeUnit: 'minutes' } },
				},
			}),
			// Two leads must both approve; the subject is an expression over the time, as incident numbers often are.
			askWorkflow(workflows.both.id, workflows.both.path, 'mailboxAskCred1', {
				...common,
				subject: `={{ 'Block 203.0.113.7? INC-' + $now.toMillis() + ' (${major}.x)' }}`,
				responseType: 'approval',
				options: { approvalsRequired: 'all', contentType: 'text' },
			}),
		];
		for (const workflow of definitions) {
			importWorkflow(n8n, userFolder, workflow);
			if (major === 1) host.n8nCli(n8n, userFolder, ['update:workflow', `--id=${workflow.id}`, '--active=true']);
			else host.n8nCli(n8n, userFolder, ['publish:workflow', `--id=${workflow.id}`]);
		}
		await start();
	}, 600_000);

	afterAll(async () => {
		if (child) await stop();
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	}, 120_000);

	it('approval: scanner GET and HEAD record nothing, altered and made-up links are refused, the POST resumes, a second answer is too late', async () => {
		const { executionId, question } = await ask(workflows.approval);
		expect(Object.keys(question.links)).toEqual(['Block it', 'Leave it']);
		const approve = question.links['Block it'];
		expect(approve).toMatch(new RegExp(`^${url}/webhook-waiting/${executionId}/ask-approve-${major}\\?`));
		expect(new URL(approve).searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);

		// A scanner opens every link: a page, no answer.
		for (const link of Object.values(question.links)) {
			const page = await fetch(link, { headers: { 'user-agent': 'Mozilla/5.0 (compatible; SafeLinks scanner)' } });
			expect(page.status).toBe(200);
			const html = await page.text();
			expect(html).toMatch(/<form method="post">/);
			expect(html).not.toMatch(/<script/i);
			expect(page.headers.get('cache-control')).toBe('no-store');
		}
		const head = await fetch(approve, { method: 'HEAD' });
		expect(head.status).toBe(200);
		expect((await stored(executionId)).status).toBe('waiting');

		// The choice is signed: flipping it, or a made-up signature, is refused before the node sees it.
		const flipped = approve.replace('approved=true', 'approved=false');
		expect(flipped).not.toBe(approve);
		const forged = new URL(approve);
		forged.searchParams.set('signature', 'f'.repeat(64));
		for (const bad of [flipped, forged.toString()]) {
			expect((await postForm(bad)).status).toBe(401);
			expect((await fetch(bad)).status).toBe(401);
		}
		expect((await stored(executionId)).status).toBe('waiting');

		// The person presses the page's button.
		const answered = await postForm(approve);
		expect(answered.status).toBe(200);
		expect(await answered.text()).toContain('your answer was recorded');
		const execution = await finished(executionId);
		expect(execution.status).toBe('success');
		const [output] = execution.nodes.Ask.items;
		const vote = {
			by: analyst,
			approved: true,
			at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			ip: expect.stringContaining('127.0.0.1'),
			user_agent: expect.any(String),
		};
		expect(output).toEqual({
			data: { approved: true, responded_by: analyst, votes: [vote] },
			responded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			timed_out: false,
			sent_message_id: question.messageId,
		});
		expect(execution.nodes.Done.items).toEqual([output]);

		// Too late: the other button, or the same one again, changes nothing.
		for (const late of [question.links['Leave it'], approve]) {
			const again = await postForm(late);
			expect(again.status).toBe(200);
			expect(await again.text()).toMatch(/No action required/);
		}
		expect((await stored(executionId)).nodes.Ask.items).toEqual([output]);
	});

	it('free text, two items: each recipient gets a link to a page with a text box, one POSTed text answers both items', async () => {
		const { executionId, question } = await ask(workflows.freeText, [analyst, lead]);
		const other = await nextQuestion(lead);
		expect(other.messageId).not.toBe(question.messageId);
		expect(question.html).toBe('');
		const respond = question.links.Respond;
		expect(respond).toBeDefined();
		const page = await fetch(respond);
		expect(await page.text()).toMatch(/<textarea id="text" name="text" required>/);
		// An empty answer is asked again, and records nothing.
		expect((await postForm(respond, { text: '  ' })).status).toBe(400);
		expect((await stored(executionId)).status).toBe('waiting');

		const answer = 'It came through the partner relay; block it and tell the partner.';
		expect((await postForm(respond, { text: answer })).status).toBe(200);
		const execution = await finished(executionId);
		const data = {
			text: answer,
			responded_by: analyst,
			votes: [expect.objectContaining({ by: analyst, text: answer })],
		};
		expect(execution.nodes.Ask.items).toEqual(
			[question, other].map((mail) => ({
				data,
				responded_at: expect.any(String),
				timed_out: false,
				sent_message_id: mail.messageId,
			})),
		);
	});

	it('survives a restart: stopped while waiting, started again, the click resumes it; an expired limit ends with timed_out', async () => {
		const waiting = await ask(workflows.approval);
		const limited = await ask(workflows.limited);
		expect(Object.keys(limited.question.links)).toEqual(['Approve']);
		await stop();
		// The limit (3 s) passes while n8n is down; on start n8n resumes what is due.
		await new Promise((resolve) => setTimeout(resolve, 5000));
		await start();

		const timedOut = await finished(limited.executionId);
		expect(timedOut.status).toBe('success');
		expect(timedOut.nodes.Ask.items).toEqual([
			{ data: {}, responded_at: null, timed_out: true, sent_message_id: limited.question.messageId },
		]);
		expect((await postForm(limited.question.links.Approve)).status).toBe(200);
		expect((await stored(limited.executionId)).nodes.Ask.items[0]).toMatchObject({ timed_out: true });

		expect((await stored(waiting.executionId)).status).toBe('waiting');
		expect((await fetch(waiting.question.links['Leave it'])).status).toBe(200);
		expect((await postForm(waiting.question.links['Leave it'])).status).toBe(200);
		const execution = await finished(waiting.executionId);
		expect(execution.nodes.Ask.items).toEqual([
			expect.objectContaining({
				data: expect.objectContaining({ approved: false, responded_by: analyst }),
				timed_out: false,
				sent_message_id: waiting.question.messageId,
			}),
		]);
	});

	it('all: each lead gets links of their own; a forwarded link speaks for its recipient only; a restart between the votes loses none; both are named', async () => {
		const { executionId, question } = await askItems(workflows.both, [{ to: `${analyst}, ${lead}` }]);
		const leadQuestion = await nextQuestion(lead);
		expect(leadQuestion.messageId).not.toBe(question.messageId);
		// Links of their own: the recipient is in each signed link.
		expect(new URL(question.links.Approve).searchParams.get('to')).toBe(analyst);
		expect(new URL(leadQuestion.links.Approve).searchParams.get('to')).toBe(lead);
		// The text part has each link on a line of its own.
		expect(question.text.split('\n').filter((line) => line.includes('http'))).toHaveLength(2);

		// The page shows the subject as the mail had it, though $now has moved on since.
		const subject = (await receiveQuestion(analyst, (received.get(analyst) ?? 1) - 1)).subject;
		expect(subject).toMatch(/^Block 203\.0\.113\.7\? INC-\d+ /);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		const opened = await fetch(question.links.Approve);
		expect(opened.status).toBe(200);
		for (const [name, value] of [
			['cache-control', 'no-store'],
			['referrer-policy', 'no-referrer'],
		])
			expect(opened.headers.get(name)).toBe(value);
		expect(opened.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
		const html = await opened.text();
		expect(html).toContain(`<h1>${subject.replace(/&/g, '&amp;')}</h1>`);
		expect(html).toContain('Sender 203.0.113.7 sent 40 phishing mails.');
		expect(html).not.toMatch(/<script/i);

		// The analyst approves: recorded, and the execution waits for the lead.
		const first = await postForm(question.links.Approve);
		expect(first.status).toBe(200);
		expect(await first.text()).toContain('waits for the other answers');
		// Waiting again, with the vote saved: the items it would pass on if the wait ended now.
		const votesKept = (execution: StoredExecution) =>
			((execution.nodes.Ask?.items[0]?.data as { votes?: unknown[] } | undefined)?.votes ?? []).length;
		const again = await waitFor(
			'the execution to wait again',
			60_000,
			() => stored(executionId),
			(execution) => execution.status === 'waiting' && votesKept(execution) === 1,
		);
		expect(again.nodes.Ask.items).toEqual([
			expect.objectContaining({
				timed_out: true,
				data: { votes: [expect.objectContaining({ by: analyst, approved: true })] },
			}),
		]);

		// The analyst forwarded the mail: whoever clicks the analyst's links, it is the analyst's
		// answer, already given; it neither counts for the lead nor changes the analyst's vote.
		const forwarded = await fetch(question.links.Reject, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Outsider browser' },
			body: '',
		});
		expect(forwarded.status).toBe(200);
		expect(await forwarded.text()).toMatch(/already answered: <strong>Approve<\/strong>/);
		expect((await stored(executionId)).status).toBe('waiting');

		// n8n goes down between the two votes.
		await stop();
		await start();
		expect((await stored(executionId)).status).toBe('waiting');

		const second = await fetch(leadQuestion.links.Approve, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Lead browser' },
			body: '',
		});
		expect(second.status).toBe(200);
		const execution = await finished(executionId);
		expect(execution.status).toBe('success');
		const [output] = execution.nodes.Ask.items;
		expect(output).toEqual({
			data: {
				approved: true,
				responded_by: lead,
				votes: [
					{
						by: analyst,
						approved: true,
						at: expect.any(String),
						ip: expect.any(String),
						user_agent: expect.any(String),
					},
					{ by: lead, approved: true, at: expect.any(String), ip: expect.any(String), user_agent: 'Lead browser' },
				],
			},
			responded_at: expect.any(String),
			timed_out: false,
			sent_message_id: question.messageId,
		});
		expect(execution.nodes.Done.items).toEqual([output]);
	});

	it('all: two answers at the same moment both count (one may be asked to press again)', async () => {
		const { executionId, question } = await askItems(workflows.both, [{ to: `${analyst}, ${lead}` }]);
		const leadQuestion = await nextQuestion(lead);
		const press = async (link: string): Promise<number> => {
			for (let attempt = 0; ; attempt++) {
				const response = await postForm(link);
				if (response.status !== 409 || attempt === 5) return response.status;
				expect(await response.text()).toContain('press the button again');
				await new Promise((resolve) => setTimeout(resolve, 2000));
			}
		};
		expect(await Promise.all([press(question.links.Approve), press(leadQuestion.links.Approve)])).toEqual([200, 200]);
		const execution = await finished(executionId);
		const [output] = execution.nodes.Ask.items as Array<{
			data: { approved: boolean; votes: Array<{ by: string; approved: boolean }> };
		}>;
		expect(output.data.approved).toBe(true);
		expect(output.data.votes.map(({ by }) => by).sort()).toEqual([analyst, lead].sort());
	});

	(major >= 2 ? it : it.skip)(
		'is offered to AI agents as a human-review tool (n8n 2.x builds it from the sendAndWait webhooks)',
		async () => {
			const types = await rest.nodeTypes();
			const tool = types.find((type) => type.name === 'n8n-nodes-mailbox.emailHitlTool');
			expect(tool).toBeDefined();
			const parameter = (name: string) => tool!.properties.find((property) => property.name === name);
			// n8n fixes the tool to this operation and to an approval, and adds the message the agent's call fills in.
			expect(parameter('operation')).toMatchObject({ type: 'hidden', default: 'sendAndWait' });
			expect(parameter('responseType')).toMatchObject({ type: 'hidden', default: 'approval' });
			expect(parameter('message')).toMatchObject({ type: 'string' });
			expect(parameter('recipients')).toBeDefined();
			expect(JSON.stringify(tool!.outputs)).toContain('ai_tool');
		},
	);
});
