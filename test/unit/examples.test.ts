/**
 * The example workflows use the public names of SPEC.md (node types, operations, parameters), so that
 * they run as soon as each part is built; npm start imports exactly those the build can run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const start = require('../../scripts/start.js');

interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string }>;
}

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const examples = readdirSync(EXAMPLES)
	.filter((file) => file.endsWith('.json'))
	.map((file) => ({
		file,
		workflow: JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as {
			id: string;
			nodes: WorkflowNode[];
			connections: Record<string, unknown>;
		},
	}));

const OPERATIONS: Record<string, string[]> = {
	ping: ['operation'],
	send: ['operation', 'recipients', 'cc', 'bcc', 'subject', 'content', 'options'],
	sendAndWait: [
		'operation',
		'recipients',
		'cc',
		'bcc',
		'subject',
		'content',
		'responseType',
		'exclusionSubjectRegex',
		'exclusionBodyRegex',
		'options',
	],
	downloadAttachments: [
		'operation',
		'folder',
		'downloadPath',
		'messageId',
		'subjectFilter',
		'emailUid',
		'onlyUnread',
		'options',
	],
	getEml: ['operation', 'folder', 'messageId', 'emailUid', 'base64Encode'],
	move: ['operation', 'folder', 'messageId', 'emailUid', 'destinationFolder', 'options'],
	analyze: ['operation', 'source', 'folder', 'messageId', 'emailUid', 'binaryPropertyName', 'options'],
	search: ['operation', 'folder', 'from', 'to', 'subject', 'text', 'since', 'before', 'unreadOnly', 'limit', 'options'],
	delete: ['operation', 'folder', 'messageId', 'emailUid', 'options'],
	forward: ['operation', 'folder', 'messageId', 'emailUid', 'recipients', 'content', 'options'],
	reply: ['operation', 'folder', 'messageId', 'emailUid', 'content', 'options'],
};
// The human-review tool n8n 2.x derives from the node: always Send Email and Wait for an approval.
const REVIEW_PARAMETERS = ['recipients', 'cc', 'bcc', 'subject', 'content', 'options'];
const TRIGGER_PARAMETERS = [
	'pollTimes',
	'folders',
	'unreadOnly',
	'markAsRead',
	'attachOriginalEml',
	'offsetDays',
	'maxEmailsPerCycle',
	'serverTimeZone',
	'extractionRules',
	'forwardedEmailRegexes',
	'environmentField',
	'environmentRegex',
	'defaultEnvironment',
	'productFieldName',
	'eventFieldName',
	'scriptTimeoutSeconds',
];

it('has the four examples of the README', () => {
	expect(examples.map((example) => example.file).sort()).toEqual([
		'agent-with-approval.json',
		'ask-and-branch.json',
		'ask-for-approval.json',
		'phishing-triage.json',
		'ping-and-send.json',
	]);
});

describe.each(examples)('$file', ({ workflow }) => {
	const mailboxNodes = workflow.nodes.filter((node) => node.type.startsWith('n8n-nodes-mailbox.'));

	it('uses only the SPEC node types, operations and parameter names', () => {
		for (const node of mailboxNodes) {
			if (node.type === 'n8n-nodes-mailbox.emailTrigger') {
				expect(TRIGGER_PARAMETERS).toEqual(expect.arrayContaining(Object.keys(node.parameters)));
				continue;
			}
			if (node.type === 'n8n-nodes-mailbox.emailInstantTrigger') {
				expect([...TRIGGER_PARAMETERS.filter((name) => name !== 'pollTimes'), 'fallbackPollSeconds']).toEqual(
					expect.arrayContaining(Object.keys(node.parameters)),
				);
				continue;
			}
			if (node.type === 'n8n-nodes-mailbox.emailHitlTool') {
				expect(REVIEW_PARAMETERS).toEqual(expect.arrayContaining(Object.keys(node.parameters)));
				continue;
			}
			expect(['n8n-nodes-mailbox.email', 'n8n-nodes-mailbox.emailTool']).toContain(node.type);
			const allowed = OPERATIONS[node.parameters.operation as string];
			expect(allowed).toBeDefined();
			expect(allowed).toEqual(expect.arrayContaining(Object.keys(node.parameters)));
		}
	});

	it('points every Mailbox node at the demo credential', () => {
		for (const node of mailboxNodes) expect(node.credentials?.emailCredentials.id).toBe(start.DEMO_CREDENTIAL.id);
	});

	it('gives every node its own id (n8n refuses to import a workflow with two alike)', () => {
		const ids = workflow.nodes.map((node) => node.id);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('connects only nodes that exist', () => {
		const names = new Set(workflow.nodes.map((node) => node.name));
		for (const [from, outputs] of Object.entries(workflow.connections)) {
			expect(names.has(from)).toBe(true);
			// main, and the agent connections (ai_tool, ai_languageModel)
			for (const output of Object.values(outputs as Record<string, Array<Array<{ node: string }>>>).flat())
				for (const link of output) expect(names.has(link.node)).toBe(true);
		}
	});
});

it('npm start imports every example: the build has each node and operation they use', () => {
	const listed = start.exampleWorkflows() as Array<{ file: string; missing?: string }>;
	expect(listed.map(({ file, missing }) => [file, missing])).toEqual([
		['agent-with-approval.json', undefined],
		['ask-and-branch.json', undefined],
		['ask-for-approval.json', undefined],
		['phishing-triage.json', undefined],
		['ping-and-send.json', undefined],
	]);
});

it('gives parameters the shapes the nodes take: folders as resource locators, extraction rules as {rules: [{name, regex}]}', () => {
	const nodes = examples.flatMap(({ workflow }) => workflow.nodes);
	for (const [node, key] of nodes.flatMap((entry) =>
		['folder', 'destinationFolder'].map((key) => [entry, key] as const),
	)) {
		if (node.parameters[key] !== undefined)
			expect(node.parameters[key]).toEqual({
				__rl: true,
				mode: expect.stringMatching(/^(list|name)$/),
				value: expect.any(String),
			});
	}
	for (const node of nodes.filter((entry) => entry.parameters.extractionRules !== undefined)) {
		expect(node.parameters.extractionRules).toEqual({
			rules: expect.arrayContaining([{ name: expect.any(String), regex: expect.any(String) }]),
		});
	}
});

/*
 * Saved workflows keep working as the node gains operations: n8n resolves a saved node's parameters
 * against the node's description when it loads the workflow, so every `email` node of the examples
 * and of the workflows the host tests save must come out on the operation it was saved with (and a
 * node saved with the default, no `operation` stored, still on Send Email).
 */
describe('saved Mailbox nodes keep their operation', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { NodeHelpers } = require('n8n-workflow') as typeof import('n8n-workflow');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Email } = require('../../nodes/Email/Email.node') as typeof import('../../nodes/Email/Email.node');
	const description = new Email().description;
	const resolve = (parameters: Record<string, unknown>) =>
		NodeHelpers.getNodeParameters(
			description.properties,
			parameters as never,
			true,
			false,
			{ typeVersion: 1 } as never,
			description,
		) as Record<string, unknown>;
	const HOST_TESTS = join(__dirname, '..', 'host');
	const hostOperations = [
		...new Set(
			readdirSync(HOST_TESTS)
				.filter((file) => file.endsWith('.ts'))
				.flatMap((file) =>
					[
						...readFileSync(join(HOST_TESTS, file), 'utf8').matchAll(/mailboxNode\([^{;]*?\{\s*operation: '(\w+)'/g),
					].map((match) => match[1]),
				),
		),
	];
	const saved = [
		...examples.flatMap(({ file, workflow }) =>
			workflow.nodes
				.filter((node) => node.type === 'n8n-nodes-mailbox.email')
				.map((node) => [file, node.parameters] as const),
		),
		...hostOperations.map((operation) => ['test/host', { operation }] as const),
	];

	it('finds the saved nodes', () => {
		expect(saved.length).toBeGreaterThanOrEqual(10);
		expect(hostOperations).toEqual(
			expect.arrayContaining(['search', 'move', 'getEml', 'listFolders', 'append', 'getQuota']),
		);
	});

	it.each(saved)('%s: %p', (_source, parameters) => {
		const resolved = resolve(parameters);
		expect(resolved.operation).toBe(parameters.operation);
		expect(resolved).not.toHaveProperty('resource');
	});

	it('a node saved with the default operation (none stored) is still Send Email', () => {
		expect(resolve({ recipients: 'a@example.test', subject: 's', content: 'c' }).operation).toBe('send');
	});
});
