import { rmSync } from 'node:fs';

import {
	executeWorkflow,
	importCredential,
	importWorkflow,
	mailboxNode,
	manualTrigger,
	n8nMajors,
	nodeOutput,
	prepareN8n,
} from '../helpers/n8n';
import { receiveQuestion, replyAs } from '../helpers/replies';
import { credentialsFor, newMailbox } from '../helpers/servers';

jest.setTimeout(600_000);

function branch(name: string, x: number) {
	return {
		id: name.toLowerCase(),
		name,
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [x, 0],
		parameters: {},
	};
}

describe.each(n8nMajors())('in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;

	beforeAll(() => {
		setup = prepareN8n(major);
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	// 1.x is answered "approve" and 2.x "deny", so that both branches are taken once.
	const answer = major === 1 ? 'approve' : 'deny';

	it(`sends a question, waits for the emailed "${answer}" and routes on it with an IF node`, async () => {
		const { n8n, userFolder } = setup;
		const [soc, analyst] = [newMailbox('n8n-soc'), newMailbox('n8n-analyst')];
		importCredential(n8n, userFolder, 'mailboxCredWait1', credentialsFor(soc));
		importWorkflow(n8n, userFolder, {
			id: 'mailboxWait0001',
			name: 'Ask and route',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode(
					'Ask',
					'mailboxCredWait1',
					{
						operation: 'sendAndWait',
						recipients: analyst,
						subject: `Block 203.0.113.7? (n8n ${major}.x)`,
						content: '<p>Reply {{approve}} or {{deny}}.</p>',
						options: { timeoutMinutes: 2 },
					},
					[200, 0],
				),
				{
					id: 'route',
					name: 'Approved?',
					type: 'n8n-nodes-base.if',
					typeVersion: 2,
					position: [400, 0],
					parameters: {
						conditions: {
							options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
							conditions: [
								{
									id: 'answer-is-approve',
									leftValue: '={{ $json.answer }}',
									rightValue: 'approve',
									operator: { type: 'string', operation: 'equals' },
								},
							],
							combinator: 'and',
						},
						options: {},
					},
				},
				branch('Block', 600),
				branch('Leave', 600),
			],
			connections: {
				Start: { main: [[{ node: 'Ask', type: 'main', index: 0 }]] },
				Ask: { main: [[{ node: 'Approved?', type: 'main', index: 0 }]] },
				'Approved?': {
					main: [[{ node: 'Block', type: 'main', index: 0 }], [{ node: 'Leave', type: 'main', index: 0 }]],
				},
			},
			settings: {},
		});

		const running = executeWorkflow(n8n, userFolder, 'mailboxWait0001');
		const question = await receiveQuestion(analyst, 0, 120_000); // n8n 2.x needs a while to start its task runner on a busy machine
		await replyAs(analyst, soc, question, { text: `{{${answer}}}\nChecked with the owner.` });
		const run = await running;

		const [asked] = nodeOutput(run, 'Ask');
		expect(asked).toMatchObject({
			is_success: true,
			timed_out: false,
			answer,
			sender: analyst,
			sent_message_id: question.messageId,
		});
		const ran = Object.keys(run.data.resultData.runData);
		expect(ran).toContain(answer === 'approve' ? 'Block' : 'Leave');
		expect(ran).not.toContain(answer === 'approve' ? 'Leave' : 'Block');
	});
});
