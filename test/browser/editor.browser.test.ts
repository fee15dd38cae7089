/**
 * The editor as a new user meets it: `npm start`'s own sequence (scripts/start.js startEditor) on a
 * fresh folder with test ports, then headless Chromium opens the example workflow, the Mailbox node
 * and its operations, runs the workflow against the local mailbox, and saves the screenshots the
 * README shows (docs/screenshots/ with MAILBOX_UPDATE_SCREENSHOTS=1, else .test-output/screenshots/).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ImapFlow } from 'imapflow';
import { chromium, type Browser, type Page } from 'playwright-core';

import { n8nMajors } from '../helpers/n8n';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const start = require('../../scripts/start.js');

jest.setTimeout(300_000);

// The README's pictures are refreshed only when asked, so a test run leaves the checkout clean.
const SCREENSHOTS = process.env.MAILBOX_UPDATE_SCREENSHOTS
	? join(__dirname, '..', '..', 'docs', 'screenshots')
	: join(__dirname, '..', '..', '.test-output', 'screenshots');
const offset = Number(process.env.MAILBOX_PORT_OFFSET || 0);
// Ports of their own: the demo's plus 50 (so a running `npm start` is left alone), moved by the offset.
const mailPorts = Object.fromEntries(
	Object.entries(start.DEMO_MAIL_PORTS as Record<string, number>).map(([name, port]) => [name, port + 50 + offset]),
);
const n8nPort = 5690 + offset;
const base = join(tmpdir(), `n8n-nodes-mailbox-browser-${offset}`);
// The current major, as `npm start` runs it, unless the run is limited to 1.x (MAILBOX_N8N_MAJORS=1).
const major = n8nMajors().includes(2) ? 2 : n8nMajors()[0];

interface Editor {
	url: string;
	loginBody: Record<string, string>;
	owner: string;
	version: string;
	mail: { host: string; ports: { imaps: number }; password: string; caFile: string };
	workflows: Array<{ id: string; file: string; imported: boolean; missing?: string }>;
	stop(): Promise<void>;
}

// The Mailbox node's operations and the trigger's parameters, as the editor labels them.
const OPERATION_NAMES = [
	'Download Attachments',
	'Get EML File',
	'Ping',
	'Send Email',
	'Send Email and Wait',
	'Wait for Reply',
];
const MAILBOX_OPERATION_NAMES = [
	'Analyze Email',
	'Search Emails',
	'Move Email',
	'Delete Email',
	'Mark Email',
	'Reply to Email',
	'Forward Email',
];
const TRIGGER_LABELS = [
	'Folders',
	'Unread Only',
	'Mark as Read',
	'Attach Original EML',
	'Offset Days',
	'Max Emails Per Cycle',
	'Extraction Rules',
	'Environment Regex',
];

let editor: Editor;
let browser: Browser;
let page: Page;
const offLoopback: string[] = [];

async function shot(name: string): Promise<void> {
	await page.screenshot({ path: join(SCREENSHOTS, name) });
}

/** Every image in the element has loaded with a real size (a broken icon has naturalWidth 0). */
async function iconsLoaded(selector: string): Promise<Array<{ src: string; width: number }>> {
	// Runs in the page: typed structurally, as the test's tsconfig has no DOM library.
	return await page.$$eval(`${selector} img`, (images) =>
		images.map((image) => {
			const { src, naturalWidth } = image as unknown as { src: string; naturalWidth: number };
			return { src, width: naturalWidth };
		}),
	);
}

/** Work on the demo mailbox's INBOX over IMAP, beside the editor. */
async function withDemoInbox(work: (client: ImapFlow) => Promise<void>): Promise<void> {
	const client = new ImapFlow({
		host: editor.mail.host,
		port: editor.mail.ports.imaps,
		secure: true,
		tls: { ca: readFileSync(editor.mail.caFile) },
		auth: { user: 'soc@example.test', pass: editor.mail.password },
		logger: false,
	});
	await client.connect();
	try {
		await client.mailboxOpen('INBOX');
		await work(client);
	} finally {
		await client.logout();
	}
}

async function openWorkflow(id: string): Promise<void> {
	await page.goto(`${editor.url}/workflow/${id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 90_000 });
	// Icons and edges settle a moment after the first node is drawn.
	await page.waitForTimeout(1500);
}

async function openNode(name: string): Promise<void> {
	await page.dblclick(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
	await page.waitForSelector('[data-test-id="parameter-input-operation"], [data-test-id="node-parameters"]', {
		timeout: 30_000,
	});
	await page.waitForTimeout(500);
}

async function closeNode(): Promise<void> {
	await page.click('[data-test-id="ndv-close-button"]');
	await page.locator('[data-test-id="ndv"]').waitFor({ state: 'detached' });
}

beforeAll(async () => {
	rmSync(base, { recursive: true, force: true });
	mkdirSync(SCREENSHOTS, { recursive: true });
	editor = (await start.startEditor({
		base,
		mailPorts,
		n8nPort,
		brokerPort: n8nPort + 1,
		major,
		build: false,
		log: () => undefined,
	})) as Editor;
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
		],
	});
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	// The editor must work without the internet, and nothing may call home.
	await context.route('**/*', async (route) => {
		const url = new URL(route.request().url());
		if (url.hostname === '127.0.0.1') return await route.continue();
		offLoopback.push(url.href);
		return await route.abort();
	});
	page = await context.newPage();
	const login = await page.request.post(`${editor.url}/rest/login`, { data: editor.loginBody });
	expect(login.status()).toBe(200);
});

afterAll(async () => {
	await browser?.close();
	await editor?.stop();
});

it('starts the way npm start does: owner account, demo credential, every example workflow', () => {
	expect(editor.owner).toBe('created');
	expect(editor.workflows.map((workflow) => [workflow.file, workflow.imported])).toEqual([
		['agent-with-approval.json', true],
		['ask-and-branch.json', true],
		['ask-for-approval.json', true],
		['phishing-triage.json', true],
		['ping-and-send.json', true],
	]);
});

it('shows the example workflow with the Mailbox icons and the operation under each node', async () => {
	await openWorkflow('mailboxExample01');
	const mailboxNodes = page.locator('[data-test-id="canvas-node"][data-node-type="n8n-nodes-mailbox.email"]');
	await expect(mailboxNodes.count()).resolves.toBe(2);
	const icons = await iconsLoaded('[data-test-id="canvas-node"][data-node-type="n8n-nodes-mailbox.email"]');
	expect(icons).toHaveLength(2);
	for (const icon of icons) {
		expect(icon.src).toMatch(/mailbox(\.dark)?\.svg/);
		expect(icon.width).toBeGreaterThan(0);
	}
	const canvasText = await page.locator('[data-test-id="canvas-node"][data-node-name="Send test alert"]').innerText();
	expect(canvasText).toContain('Send Email');
	await shot('example-workflow.png');
});

it('opens the Mailbox node and lists its operations', async () => {
	await openNode('Send test alert');
	await expect(page.locator('[data-test-id="node-credentials-select"] input').inputValue()).resolves.toBe(
		start.DEMO_CREDENTIAL.name,
	);
	await page.click('[data-test-id="parameter-input-operation"]');
	const optionNames = page.locator('.el-select-dropdown__item:visible, [role="option"]:visible');
	await optionNames.first().waitFor();
	// Let the dropdown's fade-in finish before the screenshot.
	await page.waitForTimeout(500);
	const shown = (await optionNames.allInnerTexts()).join('\n');
	for (const name of [...OPERATION_NAMES, ...MAILBOX_OPERATION_NAMES]) expect(shown).toContain(name);
	const ndvIcons = await iconsLoaded('[data-test-id="ndv"]');
	expect(ndvIcons.some((icon) => /mailbox/.test(icon.src) && icon.width > 0)).toBe(true);
	await shot('mailbox-node-operations.png');
	await page.keyboard.press('Escape');
	await closeNode();
});

it('runs the example against the local mailbox: Ping succeeds and the test alert arrives', async () => {
	await page.click('[data-test-id="execute-workflow-button"]');
	await page.waitForSelector(
		'[data-test-id="canvas-node"][data-node-name="Send test alert"] [data-test-id="canvas-node-status-success"]',
		{ timeout: 60_000 },
	);
	await shot('example-workflow-run.png');
	await openNode('Ping');
	const output = await page.locator('[data-test-id="output-panel"]').innerText();
	expect(output).toMatch(/is_succeed[\s\S]*true/);
	await shot('ping-output.png');
	await closeNode();
	await withDemoInbox(async (client) => {
		const found = await client.search({ subject: 'Test alert from n8n' }, { uid: true });
		expect(found).toHaveLength(1);
	});
});

it('finds both Mailbox nodes in the node panel, with their icons', async () => {
	await page.click('[data-test-id="node-creator-plus-button"]');
	await page.keyboard.type('Mailbox');
	await page.waitForSelector('[data-test-id="node-creator-item-name"]', { timeout: 15_000 });
	await page.waitForTimeout(800);
	const names = await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();
	expect(names).toContain('Mailbox');
	const icons = await iconsLoaded('[data-test-id="node-creator"]');
	expect(icons.some((icon) => /mailbox/.test(icon.src) && icon.width > 0)).toBe(true);
	await shot('node-panel.png');
	// The node's details: one action per operation, each drawn with the node's icon.
	await page.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Mailbox$/ }).click();
	await page.getByText('Send an email', { exact: true }).waitFor({ timeout: 15_000 });
	const details = await page.locator('[data-test-id="node-creator"]').innerText();
	const actionNames = [
		'Download attachments',
		'Get an EML file',
		'Ping the mail servers',
		'Send an email',
		'Send an email and wait for the reply',
		'Wait for the reply to an email',
	];
	actionNames.push(
		'Search emails',
		'Move an email',
		'Delete an email',
		'Mark an email',
		'Reply to an email',
		'Forward an email',
	);
	actionNames.push(
		'List folders',
		'Create a folder',
		'Rename a folder',
		'Delete a folder',
		'Copy an email',
		'Append an email',
		'Set labels on an email',
		'Get the quota',
	);
	for (const action of actionNames) expect(details).toContain(action);
	expect(details).toMatch(/Triggers/);
	const detailIcons = (await iconsLoaded('[data-test-id="node-creator"]')).filter((icon) => /mailbox/.test(icon.src));
	expect(detailIcons.length).toBeGreaterThan(actionNames.length);
	for (const icon of detailIcons) expect(icon.width).toBeGreaterThan(0);
	// Let the details panel finish sliding in.
	await page.waitForTimeout(800);
	await shot('node-actions.png');
	await page.keyboard.press('Escape');
});

it('shows the phishing triage example with the Mailbox Trigger and its parameters', async () => {
	await openWorkflow('mailboxExample02');
	const triggerIcons = await iconsLoaded(
		'[data-test-id="canvas-node"][data-node-type="n8n-nodes-mailbox.emailTrigger"]',
	);
	expect(triggerIcons).toHaveLength(1);
	expect(triggerIcons[0].src).toMatch(/mailboxTrigger(\.dark)?\.svg/);
	expect(triggerIcons[0].width).toBeGreaterThan(0);
	const canvasText = await page
		.locator('[data-test-id="canvas-node"][data-node-type="n8n-nodes-mailbox.email"]')
		.allInnerTexts();
	expect(canvasText.join('\n')).toMatch(
		/Download Attachments[\s\S]*Get EML File|Get EML File[\s\S]*Download Attachments/,
	);
	await shot('phishing-triage-workflow.png');
	await openNode('New mail in the SOC mailbox');
	const labels = await page.locator('[data-test-id="ndv"] [data-test-id="input-label"]').allInnerTexts();
	for (const label of TRIGGER_LABELS)
		expect(labels.map((text) => text.trim())).toContainEqual(expect.stringMatching(new RegExp(`^${label}`)));
	// The example's own values, as the user set them.
	await expect(page.locator('[data-test-id="parameter-input-environmentRegex"] input').inputValue()).resolves.toBe(
		'\\[(\\w+)\\]',
	);
	const ndvIcons = await iconsLoaded('[data-test-id="ndv"]');
	expect(ndvIcons.some((icon) => /mailboxTrigger(\.dark)?\.svg/.test(icon.src) && icon.width > 0)).toBe(true);
	await shot('mailbox-trigger-parameters.png');
	await closeNode();
});

it('runs the phishing triage example once and shows the triage signals of the newest report', async () => {
	// A manual run previews the newest mail: the seeded Safe-Links phish report (scripts/lib/demoMailbox.js).
	// The trigger reads unread mail only: the test alert sent by an earlier test is marked read first.
	await withDemoInbox(async (client) => {
		const alerts = await client.search({ subject: 'Test alert from n8n' }, { uid: true });
		if (alerts && alerts.length) await client.messageFlagsAdd(alerts, ['\\Seen'], { uid: true });
	});
	await page.click('[data-test-id="execute-workflow-button"]');
	const done =
		'[data-test-id="canvas-node"][data-node-name="Indicators to block"] [data-test-id="canvas-node-status-success"]';
	await page.waitForSelector(done, { timeout: 120_000 });
	await openNode('Indicators to block');
	const output = await page.locator('[data-test-id="output-panel"]').innerText();
	expect(output).toMatch(/max_severity[\s\S]*high/);
	expect(output).toMatch(/lookalike_domain/);
	expect(output).toMatch(/rewritten_link/);
	await shot('triage-signals.png');
	await closeNode();
});

it('made no request off the loopback interface', () => {
	// The node panel's footer of a community node looks up its npm page (n8n's own editor code):
	// blocked here and harmless offline. Anything else would be a call home.
	expect(offLoopback.filter((url) => url !== 'https://registry.npmjs.org/n8n-nodes-mailbox')).toEqual([]);
});
