/**
 * AI Agents with the Mailbox node in a real n8n 2.x (`n8n start`), their model a scripted
 * OpenAI-compatible stub on 127.0.0.1 (test/helpers/openaiStub.ts):
 * - a Mailbox Delete tool behind the Mailbox human-review tool: the model's delete call waits for a
 *   person, who approves (or rejects) on the page as a person would; only then the delete runs;
 * - the Mailbox node as an agent tool runs a Search and a Reply with the parameters the model filled in.
 * n8n 1.x has no human-review tools; these run on 2.x only.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { importCredential, importWorkflow, n8nMajors, prepareN8n, webhookTrigger } from '../helpers/n8n';
import { startOpenAiStub, toolResults, type ChatRequest, type ModelTurn, type OpenAiStub } from '../helpers/openaiStub';
import { postForm, receiveLinks } from '../helpers/replies';
import { appendMessages, credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';
import { N8nRest, waitFor, type StoredExecution } from '../queue/cluster';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

jest.setTimeout(600_000);

const majors = n8nMajors().filter((major) => major >= 2);

const MAILBOX_CREDENTIAL = { id: 'mailboxAgentCred1', name: 'Mailbox mailboxAgentCred1' };
const OPENAI_CREDENTIAL = { id: 'mailboxAgentOpenAi', name: 'Mailbox mailboxAgentOpenAi' };

/** The name of the tool offered to the model that matches. */
function offered(request: ChatRequest, pattern: RegExp): string {
	const tool = (request.tools ?? []).find((entry) => pattern.test(entry.function.name));
	if (!tool)
		throw new Error(
			`no tool matching ${pattern} offered: ${(request.tools ?? []).map((entry) => entry.function.name).join(', ')}`,
		);
	return tool.function.name;
}

/** The first Message-ID the conversation names (the prompt carries it). */
const messageIdIn = (request: ChatRequest) => /<[^<>\s"]+@[^<>\s"]+>/.exec(JSON.stringify(request.messages))?.[0] ?? '';

/**
 * The model's script: first the tool calls `plan` makes from the request, then, once every call
 * has its result back, a final text naming the results.
 */
function scripted(plan: (request: ChatRequest) => ModelTurn) {
	return (request: ChatRequest): ModelTurn => {
		if (toolResults(request).length === 0) return plan(request);
		return {
			text: `Done: ${toolResults(request)
				.map((result) => String(result.content))
				.join(' | ')
				.slice(0, 500)}`,
		};
	};
}

/** Webhook → AI Agent (OpenAI Chat Model pointed at the stub) with the given tools. */
function agentWorkflow(
	id: string,
	path: string,
	prompt: string,
	tools: Array<Record<string, unknown>>,
	toolConnections: Record<string, unknown>,
) {
	return {
		id,
		name: `Agent ${path}`,
		active: false,
		nodes: [
			webhookTrigger(path),
			{
				id: `agent-${path}`,
				name: 'Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 3,
				position: [300, 0],
				parameters: { promptType: 'define', text: prompt, options: {} },
			},
			{
				id: `model-${path}`,
				name: 'Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.2,
				position: [200, 300],
				parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, options: {} },
				credentials: { openAiApi: OPENAI_CREDENTIAL },
			},
			...tools,
		],
		connections: {
			Start: { main: [[{ node: 'Agent', type: 'main', index: 0 }]] },
			Model: { ai_languageModel: [[{ node: 'Agent', type: 'ai_languageModel', index: 0 }]] },
			...toolConnections,
		},
		// v1, as the editor makes every workflow: with the old order n8n runs the agent again before the
		// review tool it asked for, and the agent reads the review as a refusal.
		settings: { saveDataSuccessExecution: 'all', executionOrder: 'v1' },
	};
}

function mailboxTool(
	name: string,
	type: 'emailTool' | 'emailHitlTool',
	parameters: Record<string, unknown>,
	x: number,
) {
	return {
		id: `${type}-${name.toLowerCase().replace(/\W+/g, '-')}`,
		name,
		type: `n8n-nodes-mailbox.${type}`,
		typeVersion: 1,
		position: [x, 300],
		parameters,
		credentials: { emailCredentials: MAILBOX_CREDENTIAL },
	};
}

const toolLink = (from: string, to: string) => ({ [from]: { ai_tool: [[{ node: to, type: 'ai_tool', index: 0 }]] } });

(majors.length ? describe.each(majors) : describe.skip.each([2]))(
	'AI Agent with the Mailbox node in a real n8n %i.x',
	(major) => {
		let setup: ReturnType<typeof prepareN8n>;
		let child: unknown;
		let rest: N8nRest;
		let url: string;
		let stub: OpenAiStub;
		const soc = newMailbox(`agent${major}-soc`);
		const reviewer = newMailbox(`agent${major}-reviewer`);
		const reporter = newMailbox(`agent${major}-reporter`);
		let reviews = 0;
		const workflows = {
			gated: { id: `mailboxAgent${major}gate`, path: `agent-gated-${major}` },
			direct: { id: `mailboxAgent${major}tool`, path: `agent-tools-${major}` },
		};

		// The stub serves every workflow: each plan keys on the tools the request offers. n8n 2.x offers a
		// tool behind the review node under its own name, its parameters under `toolParameters`.
		const model = scripted((request) => {
			if ((request.tools ?? []).some((tool) => /delete/i.test(tool.function.name))) {
				return {
					toolCalls: [
						{
							name: offered(request, /delete/i),
							arguments: { toolParameters: { Message_ID: messageIdIn(request) }, hitlParameters: {} },
						},
					],
				};
			}
			return {
				toolCalls: [
					{ name: offered(request, /search/i), arguments: { Subject: 'Invoice overdue' } },
					{
						name: offered(request, /reply/i),
						arguments: { Message_ID: messageIdIn(request), Content: 'Thanks, we are looking into it.' },
					},
				],
			};
		});

		const stored = (executionId: string) => rest.execution(executionId, setup.n8n.folder);
		const finished = (executionId: string) =>
			waitFor(
				`execution ${executionId} to finish`,
				180_000,
				() => stored(executionId),
				(execution: StoredExecution) => !['new', 'running', 'waiting'].includes(execution.status),
			);

		async function run(workflow: { id: string; path: string }, body: Record<string, unknown>): Promise<string> {
			const before = new Set((await rest.executions(workflow.id)).map((execution) => execution.id));
			const started = await fetch(`${url}/webhook/${workflow.path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
			expect(started.status).toBe(200);
			const [execution] = await waitFor(
				`an execution of ${workflow.id}`,
				120_000,
				() => rest.executions(workflow.id),
				(list) => list.some((entry) => !before.has(entry.id)),
			);
			return execution.id;
		}

		async function phishingMail(subject: string): Promise<string> {
			const messageId = `<agent-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test>`;
			await appendMessages(soc, [
				[
					`From: ${reporter}`,
					`To: ${soc}`,
					`Subject: ${subject}`,
					`Message-ID: ${messageId}`,
					`Date: ${new Date().toUTCString()}`,
					'',
					'Pay now: http://203.0.113.9/pay',
					'',
				].join('\r\n'),
			]);
			return messageId;
		}

		/** A node's run data as n8n stored it (every run, every connection type), for failure messages. */
		const rawRunData = (executionId: string, nodeName: string): string => {
			const script = `
			const sqlite3 = require(${JSON.stringify(join(setup.n8n.folder, 'node_modules', 'sqlite3'))});
			const { parse } = require(${JSON.stringify(join(setup.n8n.folder, 'node_modules', 'flatted'))});
			const db = new sqlite3.Database(${JSON.stringify(join(setup.userFolder, '.n8n', 'database.sqlite'))}, sqlite3.OPEN_READONLY);
			db.get('SELECT data FROM execution_data WHERE "executionId" = ?', [${Number(executionId)}], (error, row) => {
				if (error) throw error;
				const data = parse(row.data);
				process.stdout.write(JSON.stringify({ runs: data.resultData.runData[${JSON.stringify(nodeName)}], agent: data.resultData.runData.Agent?.map((run) => run.metadata) }).slice(0, 6000));
				db.close();
			});`;
			return spawnSync('node', ['-e', script], { env: host.n8nEnv(setup.n8n, setup.userFolder), encoding: 'utf8' })
				.stdout;
		};

		const inInbox = async (messageId: string) =>
			(await waitForMessages(soc, 0)).some((message) => message.source.toString().includes(messageId));

		beforeAll(async () => {
			stub = await startOpenAiStub(model);
			setup = prepareN8n(major);
			const { n8n, userFolder } = setup;
			url = `http://127.0.0.1:${host.n8nPort()}`;
			importCredential(n8n, userFolder, MAILBOX_CREDENTIAL.id, credentialsFor(soc));
			host.importJson(n8n, userFolder, 'credentials', [
				{ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: 'sk-stub-not-a-key', url: stub.baseUrl } },
			]);
			const pick = {
				folder: { __rl: true, mode: 'name', value: 'INBOX' },
				messageId: "={{ $fromAI('Message_ID', 'Message-ID of the mail, with angle brackets', 'string') }}",
			};
			const definitions = [
				agentWorkflow(
					workflows.gated.id,
					workflows.gated.path,
					'={{ "Delete the phishing mail " + $json.body.messageId }}',
					[
						mailboxTool(
							'Review',
							'emailHitlTool',
							{
								recipients: reviewer,
								subject: 'An agent asks to delete a mail',
								content: 'The agent wants to run a tool.',
								options: { contentType: 'text' },
							},
							300,
						),
						mailboxTool(
							'Delete mail',
							'emailTool',
							{ operation: 'delete', ...pick, options: { permanent: true } },
							500,
						),
					],
					{ ...toolLink('Review', 'Agent'), ...toolLink('Delete mail', 'Review') },
				),
				agentWorkflow(
					workflows.direct.id,
					workflows.direct.path,
					'={{ "Find the invoice mail and answer it: " + $json.body.messageId }}',
					[
						mailboxTool(
							'Search mails',
							'emailTool',
							{
								operation: 'search',
								folder: { __rl: true, mode: 'name', value: 'INBOX' },
								subject: "={{ $fromAI('Subject', 'Text the subject contains', 'string') }}",
								options: {},
							},
							300,
						),
						mailboxTool(
							'Reply to mail',
							'emailTool',
							{
								operation: 'reply',
								...pick,
								content: "={{ $fromAI('Content', 'The answer', 'string') }}",
								options: {},
							},
							500,
						),
					],
					{ ...toolLink('Search mails', 'Agent'), ...toolLink('Reply to mail', 'Agent') },
				),
			];
			for (const workflow of definitions) {
				importWorkflow(n8n, userFolder, workflow);
				host.n8nCli(n8n, userFolder, ['publish:workflow', `--id=${workflow.id}`]);
			}
			child = await host.startN8n(setup.n8n, setup.userFolder);
			rest = new N8nRest(url);
			await rest.login();
		}, 600_000);

		afterAll(async () => {
			if (child) await processes.stopChild(child);
			if (stub) await stub.close();
			if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
		}, 120_000);

		it('runs the gated delete only after a person approves on the page: the mail is then gone', async () => {
			const messageId = await phishingMail('Your mailbox is full');
			const executionId = await run(workflows.gated, { messageId });
			await waitFor(
				'the agent to wait for the review',
				120_000,
				() => stored(executionId),
				(execution) => execution.status === 'waiting',
			);
			const question = await receiveLinks(reviewer, reviews++);
			expect(question.text).toContain(messageId);
			// Waiting: nothing deleted yet.
			expect(await inInbox(messageId)).toBe(true);

			expect((await fetch(question.links.Approve)).status).toBe(200);
			expect(await inInbox(messageId)).toBe(true);
			expect((await postForm(question.links.Approve)).status).toBe(200);
			const execution = await finished(executionId);
			expect(execution.status).toBe('success');
			// On failure this names what ran, what the model was told last, and n8n's errors.
			const log = readFileSync(join(setup.userFolder, 'n8n.log'), 'utf8')
				.split('\n')
				.filter((line) => /error|hitl|delete/i.test(line))
				.slice(-10);
			const seen = JSON.stringify({
				ran: execution.nodes,
				told: stub.requests.at(-1)?.messages.slice(-2),
				log,
				review: rawRunData(executionId, 'Review'),
			});
			expect(seen).toContain('"deleted":true');
			expect(await inInbox(messageId)).toBe(false);
		});

		it('does not run the gated delete when the person rejects: the mail stays', async () => {
			const messageId = await phishingMail('Invoice 4711 attached');
			const executionId = await run(workflows.gated, { messageId });
			await waitFor(
				'the agent to wait for the review',
				120_000,
				() => stored(executionId),
				(execution) => execution.status === 'waiting',
			);
			const question = await receiveLinks(reviewer, reviews++);
			expect((await postForm(question.links.Reject)).status).toBe(200);
			const execution = await finished(executionId);
			expect(execution.status).toBe('success');
			expect(execution.nodes['Delete mail']).toBeUndefined();
			expect(await inInbox(messageId)).toBe(true);
			// The model was told: the tool result it got back says the reviewer rejected it.
			expect(JSON.stringify(stub.requests.map(toolResults))).toMatch(/rejected the tool call/i);
		});

		it('runs a Search and a Reply as agent tools, with the parameters the model filled in', async () => {
			const messageId = await phishingMail('Invoice overdue');
			const executionId = await run(workflows.direct, { messageId });
			const execution = await finished(executionId);
			expect(execution.status).toBe('success');
			expect(JSON.stringify(execution.nodes['Search mails']?.items ?? [])).toContain(messageId);
			// The reply went to the reporter, threaded under the reported mail, with the model's text.
			const [answer] = await waitForMessages(reporter, 1, { timeoutMs: 60_000 });
			const source = answer.source.toString();
			expect(source).toMatch(new RegExp(`^In-Reply-To: ${messageId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'm'));
			expect(source).toContain('Thanks, we are looking into it.');
			expect(source).toMatch(/^Subject: Re: Invoice overdue\r?$/m);
		});
	},
);
