/**
 * The example workflows run as a new user runs them: `npm start`'s own sequence (scripts/start.js
 * startEditor) on a fresh folder with test ports, then, through the editor's REST API after login,
 * "ask-and-branch" is executed (the stand-in analyst approves) and "phishing-triage" is activated
 * (its trigger polls the seeded demo mailbox once on activation).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';

import { n8nMajors } from '../helpers/n8n';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const start = require('../../scripts/start.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const demo = require('../../scripts/lib/demoMailbox.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');

jest.setTimeout(240_000);

const offset = Number(process.env.MAILBOX_PORT_OFFSET || 0);
// Ports of their own: the demo's plus 70 (the browser test takes +50), n8n beside the browser test's.
const mailPorts = Object.fromEntries(
	Object.entries(start.DEMO_MAIL_PORTS as Record<string, number>).map(([name, port]) => [name, port + 70 + offset]),
);
const n8nPort = 5692 + offset;
const base = join(tmpdir(), `n8n-nodes-mailbox-examples-${offset}`);
// The current major, as `npm start` runs it, unless the run is limited to 1.x (MAILBOX_N8N_MAJORS=1).
const major = n8nMajors().includes(2) ? 2 : n8nMajors()[0];

interface Editor {
	url: string;
	loginBody: Record<string, string>;
	mail: { host: string; ports: { imaps: number }; password: string; caFile: string };
	workflows: Array<{ id: string; file: string; imported: boolean }>;
	stop(): Promise<void>;
}

interface NodeRun {
	data?: {
		main: Array<Array<{ json: Record<string, unknown>; binary?: Record<string, { fileName?: string }> }> | null>;
	};
	error?: { message: string };
}

interface Execution {
	id: string;
	finished: boolean;
	status: string;
	runData: Record<string, NodeRun[]>;
	error?: { message: string };
}

let editor: Editor;
let cookie = '';
// n8n stores run data in the flatted format: read with n8n's own copy.
let flatted: {
	parse(text: string): { resultData: { runData: Record<string, NodeRun[]>; error?: { message: string } } };
};

async function rest<T>(route: string, body?: unknown): Promise<T> {
	const response = await fetch(`${editor.url}/rest${route}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { 'content-type': 'application/json', cookie },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${route}: ${response.status} ${text.slice(0, 500)}`);
	return (JSON.parse(text) as { data: T }).data;
}

/** An execution with its run data, unpacked from n8n's flatted format with n8n's own flatted. */
async function execution(id: string): Promise<Execution> {
	const stored = await rest<{ id: string; status: string; data?: string }>(`/executions/${id}`);
	const finished = !['new', 'running', 'waiting'].includes(stored.status);
	// A running execution has no run data yet.
	if (!finished || !stored.data) return { id: stored.id, finished: false, status: stored.status, runData: {} };
	const { resultData } = flatted.parse(stored.data);
	return { id: stored.id, finished, status: stored.status, runData: resultData.runData, error: resultData.error };
}

async function waitFor<T>(
	what: string,
	timeoutMs: number,
	read: () => Promise<T>,
	done: (value: T) => boolean,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`${what}: gave up after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

/** The json (and binary file names) of every item a node put on each of its outputs. */
function outputs(run: Execution, node: string): Array<Array<Record<string, unknown>>> | undefined {
	const runs = run.runData[node];
	if (!runs) return undefined;
	if (runs[0].error) throw new Error(`node "${node}" failed: ${runs[0].error.message}`);
	return (runs[0].data?.main ?? []).map((items) =>
		(items ?? []).map((item) => ({
			...item.json,
			binaryNames: Object.values(item.binary ?? {}).map((entry) => entry.fileName),
		})),
	);
}

async function subjectsIn(address: string): Promise<string[]> {
	const client = new ImapFlow({
		host: editor.mail.host,
		port: editor.mail.ports.imaps,
		secure: true,
		tls: { ca: readFileSync(editor.mail.caFile) },
		auth: { user: address, pass: editor.mail.password },
		logger: false,
	});
	await client.connect();
	try {
		await client.mailboxOpen('INBOX');
		const subjects: string[] = [];
		for await (const message of client.fetch('1:*', { envelope: true })) subjects.push(message.envelope?.subject ?? '');
		return subjects;
	} catch {
		return [];
	} finally {
		await client.logout();
	}
}

beforeAll(async () => {
	rmSync(base, { recursive: true, force: true });
	flatted = require(join(host.ensureN8n(major).folder, 'node_modules', 'flatted'));
	editor = (await start.startEditor({
		base,
		mailPorts,
		n8nPort,
		brokerPort: n8nPort + 1,
		major,
		build: false,
		log: () => undefined,
	})) as Editor;
	const login = await fetch(`${editor.url}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(editor.loginBody),
	});
	expect(login.status).toBe(200);
	cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
});

afterAll(async () => {
	await editor?.stop();
});

it('imports every example', () => {
	expect(editor.workflows.map((workflow) => [workflow.file, workflow.imported])).toEqual([
		['agent-with-approval.json', true],
		['ask-and-branch.json', true],
		['ask-for-approval.json', true],
		['phishing-triage.json', true],
		['ping-and-send.json', true],
	]);
});

it("the credential's Test button logs in, and names what is wrong in plain words when it cannot", async () => {
	const [credential] = await rest<Array<{ id: string; name: string; type: string }>>('/credentials');
	const data = {
		emailAddress: 'soc@example.test',
		username: 'soc@example.test',
		password: editor.mail.password,
		imapHost: editor.mail.host,
		imapPort: editor.mail.ports.imaps,
		imapSecurity: 'tls',
		smtpHost: editor.mail.host,
		smtpPort: mailPorts.smtp,
		smtpSecurity: 'starttls',
	};
	const test = (overrides: Record<string, unknown>) =>
		rest<{ status: string; message: string }>('/credentials/test', {
			credentials: { id: credential.id, name: credential.name, type: credential.type, data: { ...data, ...overrides } },
		});
	expect(await test({})).toMatchObject({
		status: 'OK',
		message: expect.stringMatching(/^IMAP and SMTP login succeeded/),
	});
	const wrong = await test({ password: 'Wrong-Pass-77', smtpPort: 1 });
	expect(wrong.status).toBe('Error');
	expect(wrong.message).toMatch(/IMAP: IMAP server .* rejected the login: check the username and password/);
	expect(wrong.message).toMatch(
		/SMTP: Nothing accepts connections at SMTP server 127\.0\.0\.1:1: check the host and port/,
	);
	expect(wrong.message).not.toContain('Wrong-Pass-77');
});

it('ask-and-branch: the question goes out, the stand-in analyst approves, the approve branch notifies the firewall team', async () => {
	const workflow = await rest<Record<string, unknown>>('/workflows/mailboxExample03');
	const { executionId } = await rest<{ executionId: string }>('/workflows/mailboxExample03/run', {
		workflowData: workflow,
		triggerToStartFrom: { name: "When clicking 'Execute workflow'" },
	});
	const run = await waitFor(
		'the ask-and-branch execution',
		120_000,
		() => execution(executionId),
		(value) => value.finished,
	);
	expect(run.error).toBeUndefined();
	const [answer] = outputs(run, 'Ask the lead analyst')![0];
	expect(answer).toMatchObject({ is_success: true, timed_out: false, answer: 'approve', sender: demo.DEMO_ANALYST });
	expect(outputs(run, 'Approved?')![0]).toHaveLength(1);
	expect(outputs(run, 'Notify: approved')![0][0]).toMatchObject({ is_success: true });
	expect(run.runData['Notify: rejected or no answer']).toBeUndefined();
	const firewall = await waitFor(
		'the notice to fw@example.test',
		30_000,
		() => subjectsIn('fw@example.test'),
		(subjects) => subjects.length > 0,
	);
	expect(firewall).toEqual([`Approved: ${String(answer.subject)}`]);
});

it("ask-for-approval: the stand-in analyst opens the link and presses the page's button; the approve branch runs", async () => {
	const workflow = await rest<Record<string, unknown>>('/workflows/mailboxExample04');
	const { executionId } = await rest<{ executionId: string }>('/workflows/mailboxExample04/run', {
		workflowData: workflow,
		triggerToStartFrom: { name: "When clicking 'Execute workflow'" },
	});
	const run = await waitFor(
		'the ask-for-approval execution',
		120_000,
		() => execution(executionId),
		(value) => value.finished,
	);
	expect(run.error).toBeUndefined();
	const [answer] = outputs(run, 'Ask the lead analyst')![0];
	expect(answer).toMatchObject({
		timed_out: false,
		data: {
			approved: true,
			responded_by: demo.DEMO_ANALYST,
			votes: [expect.objectContaining({ by: demo.DEMO_ANALYST, approved: true })],
		},
	});
	expect(outputs(run, 'Notify: approved')![0][0]).toMatchObject({ is_success: true });
	expect(run.runData['Notify: rejected or no answer']).toBeUndefined();
});

it('phishing-triage: activated, its trigger emits each seeded alert once; Production downloads attachments, the rest get their .eml', async () => {
	const seeded = await Promise.all(
		(await demo.demoMessages())
			.filter((message: { seen: boolean; folder?: string }) => !message.seen && !message.folder)
			.map(async (message: { raw: Buffer }) => (await simpleParser(message.raw)).subject ?? ''),
	);
	const workflow = await rest<{ versionId: string }>('/workflows/mailboxExample02');
	await rest('/workflows/mailboxExample02/activate', { versionId: workflow.versionId });

	const emitted = async () => {
		const list = await rest<{ results: Array<{ id: string }> } | Array<{ id: string }>>(
			`/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: 'mailboxExample02' }))}`,
		);
		const runs = await Promise.all((Array.isArray(list) ? list : list.results).map((entry) => execution(entry.id)));
		return runs.filter((run) => run.finished);
	};
	const subjectsOf = (runs: Execution[]) =>
		runs.flatMap((run) => (outputs(run, 'New mail in the SOC mailbox')?.[0] ?? []).map((item) => String(item.subject)));
	const runs = await waitFor('executions with every seeded alert', 120_000, emitted, (list) =>
		seeded.every((subject: string) => subjectsOf(list).includes(subject)),
	);
	for (const run of runs) expect(run.error).toBeUndefined();
	const subjects = subjectsOf(runs);
	// Exactly once: each seeded subject as often as it was seeded (two replies in the thread share one).
	const count = (list: string[], subject: string) => list.filter((entry) => entry === subject).length;
	for (const subject of seeded) expect([subject, count(subjects, subject)]).toEqual([subject, count(seeded, subject)]);

	// The Set node: URLs from the trigger, IPs from its extraction rule, the reporter of a forwarded mail.
	const extracted = runs.flatMap((run) => outputs(run, 'Extract URLs and IPs')?.[0] ?? []);
	expect(extracted.find((item) => String(item.subject).startsWith('Fwd:'))).toMatchObject({
		urls: expect.arrayContaining(['http://paypa1-secure.example/login?id=4471']),
		ips: ['198.51.100.23'],
		reported_by: 'alice@example.test',
		environment: 'Default Environment',
	});

	// Analyze Email: the Outlook .msg report unwrapped; the German inline forward's mismatched link takes the branch.
	const analysed = runs.flatMap((run) => outputs(run, 'Analyze reported mail')?.[0] ?? []) as Array<{
		messages: Array<{ via: string }>;
		reporter: { subject: string };
	}>;
	expect(
		analysed
			.find((item) => item.reporter.subject.startsWith('Phishing report (Outlook)'))
			?.messages.map((message) => message.via),
	).toEqual(expect.arrayContaining(['root', 'msg']));
	const toBlock = runs.flatMap((run) => outputs(run, 'Indicators to block')?.[0] ?? []);
	expect(toBlock).toEqual(
		expect.arrayContaining([
			expect.objectContaining({
				subject: 'Ihr Konto wurde eingeschränkt',
				domains: expect.arrayContaining(['sparkasse-sicherheit.example']),
			}),
		]),
	);
	// Triage by max_severity: the quishing report and the Safe-Links phish are high, the clean alerts are not.
	expect(toBlock.map((item) => item.subject)).toEqual(
		expect.arrayContaining(['Action required: renew your MFA today', 'Unusual sign-in to your account']),
	);
	const review = runs.flatMap((run) => outputs(run, 'Lower severity: for review')?.[0] ?? []);
	expect(review.length).toBeGreaterThan(0);
	for (const item of review) expect(item.max_severity).not.toBe('high');

	const downloads = runs.flatMap((run) => outputs(run, 'Download attachments')?.[0] ?? []);
	const production = seeded.filter((subject: string) => subject.startsWith('[Production]'));
	expect(downloads).toHaveLength(production.length);
	const files = downloads.flatMap((item) =>
		(item.attachments as Array<{ path: string; filename: string }>).map((entry) => entry.path),
	);
	expect(files.map((file) => file.split('/').pop())).toEqual(
		expect.arrayContaining([
			expect.stringMatching(/^Invoice overdue( \(\d+\))?\.eml$/),
			expect.stringMatching(/^INV-2291( \(\d+\))?\.pdf$/),
		]),
	);
	for (const file of files) expect(existsSync(file)).toBe(true);

	const emls = runs.flatMap((run) => outputs(run, 'Get original .eml')?.[0] ?? []);
	const others = subjects.filter((subject) => !subject.startsWith('[Production]'));
	expect(emls).toHaveLength(others.length);
	for (const eml of emls) {
		expect(eml).toMatchObject({ found: true });
		expect(Buffer.from(String(eml.eml_base64), 'base64').toString('utf8')).toMatch(/^Subject: /im);
		expect(eml.binaryNames).toEqual([expect.stringMatching(/\.eml$/)]);
	}
	// Every handled report ends in Processed: the Move node runs once after each branch that ran.
	const moved = runs.flatMap((run) =>
		(run.runData['Move to Processed'] ?? []).flatMap((branch) => (branch.data?.main[0] ?? []).map((item) => item.json)),
	);
	expect(moved).toHaveLength(subjects.length);
	for (const item of moved) expect(item).toMatchObject({ found: true, moved: true, to_folder: 'Processed' });
	const staging = seeded.find((subject: string) => subject.startsWith('[Staging]'));
	const stagingEml = emls.find((eml) =>
		Buffer.from(String(eml.eml_base64), 'base64').toString('utf8').includes(staging),
	);
	expect(stagingEml).toBeDefined();
});
