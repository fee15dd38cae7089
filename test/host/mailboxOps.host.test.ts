import { simpleParser } from 'mailparser';
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
import { appendMessages, credentialsFor, newMailbox, openMailbox, waitForMessages } from '../helpers/servers';

jest.setTimeout(600_000);

describe.each(n8nMajors())('in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;

	beforeAll(() => {
		setup = prepareN8n(major);
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	it('runs Search, Mark, Reply, Forward, Move and Delete on a reported mail, in one workflow', async () => {
		const { n8n, userFolder } = setup;
		const soc = newMailbox('n8n-ops');
		const reporter = newMailbox('n8n-reporter');
		const vendor = newMailbox('n8n-vendor');
		const messageId = `<host-ops-${major}-${Date.now()}@example.test>`;
		await appendMessages(soc, [
			[
				'From: Someone <someone@example.test>',
				`To: ${soc}`,
				'Subject: Lunch',
				'Message-ID: <lunch@example.test>',
				'',
				'not this one',
				'',
			].join('\r\n'),
			[
				`From: Reporter <${reporter}>`,
				`To: ${soc}`,
				'Subject: Suspicious invoice',
				`Message-ID: ${messageId}`,
				'Content-Type: text/plain; charset=utf-8',
				'',
				'Is this real?',
				'',
			].join('\r\n'),
		]);
		const credential = `mailboxOps${major}001`;
		importCredential(n8n, userFolder, credential, credentialsFor(soc));
		const picked = {
			folder: { __rl: true, mode: 'list', value: 'INBOX' },
			messageId: "={{ $('Search').item.json.message_id }}",
		};
		const chain = ['Search', 'Mark', 'Reply', 'Forward', 'Move', 'Delete'];
		importWorkflow(n8n, userFolder, {
			id: credential,
			name: 'Mailbox operations',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode(
					'Search',
					credential,
					{
						operation: 'search',
						folder: { __rl: true, mode: 'list', value: 'INBOX' },
						subject: 'invoice',
						limit: 5,
						options: {},
					},
					[200, 0],
				),
				mailboxNode(
					'Mark',
					credential,
					{ operation: 'setFlags', ...picked, markAs: 'flagged', options: { addKeywords: '$Phishing' } },
					[400, 0],
				),
				mailboxNode(
					'Reply',
					credential,
					{ operation: 'reply', ...picked, content: 'Thanks, it is phishing.', options: { contentType: 'text' } },
					[600, 0],
				),
				mailboxNode(
					'Forward',
					credential,
					{ operation: 'forward', ...picked, recipients: vendor, content: 'Please block.', options: {} },
					[800, 0],
				),
				mailboxNode(
					'Move',
					credential,
					{
						operation: 'move',
						...picked,
						destinationFolder: { __rl: true, mode: 'name', value: 'Processed' },
						options: { createFolder: true },
					},
					[1000, 0],
				),
				mailboxNode(
					'Delete',
					credential,
					{ operation: 'delete', ...picked, folder: { __rl: true, mode: 'name', value: 'Processed' }, options: {} },
					[1200, 0],
				),
			],
			connections: Object.fromEntries(
				['Start', ...chain.slice(0, -1)].map((name, index) => [
					name,
					{ main: [[{ node: chain[index], type: 'main', index: 0 }]] },
				]),
			),
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, credential);
		expect(nodeOutput(run, 'Search')).toEqual([
			expect.objectContaining({
				message_id: messageId,
				subject: 'Suspicious invoice',
				from: reporter,
				email_uid: 2,
				folder: 'INBOX',
			}),
		]);
		expect(nodeOutput(run, 'Mark')).toEqual([
			{ found: true, message_id: messageId, flags: expect.arrayContaining(['\\Flagged', '$Phishing']) },
		]);
		expect(nodeOutput(run, 'Reply')).toEqual([
			expect.objectContaining({ found: true, is_success: true, accepted: [reporter], in_reply_to: messageId }),
		]);
		expect(nodeOutput(run, 'Forward')).toEqual([
			expect.objectContaining({ found: true, is_success: true, accepted: [vendor] }),
		]);
		expect(nodeOutput(run, 'Move')).toEqual([
			{
				found: true,
				moved: true,
				message_id: messageId,
				from_folder: 'INBOX',
				to_folder: 'Processed',
				new_email_uid: 1,
			},
		]);
		expect(nodeOutput(run, 'Delete')).toEqual([
			{ found: true, deleted: true, message_id: messageId, to_folder: 'Trash' },
		]);

		const [reply] = await waitForMessages(reporter, 1);
		const parsedReply = await simpleParser(reply.source);
		expect(parsedReply.subject).toBe('Re: Suspicious invoice');
		expect(parsedReply.inReplyTo).toBe(messageId);
		const [forward] = await waitForMessages(vendor, 1);
		expect((await simpleParser(forward.source)).attachments.map((attachment) => attachment.contentType)).toEqual([
			'message/rfc822',
		]);
		const trash = await openMailbox(soc, async (client) => {
			await client.mailboxOpen('Trash', { readOnly: true });
			const found = [];
			for await (const message of client.fetch('1:*', { envelope: true, flags: true }))
				found.push({
					id: message.envelope?.messageId,
					flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
				});
			return found;
		});
		expect(trash).toEqual([{ id: messageId, flags: ['$Phishing', '\\Flagged'] }]);
		expect((await waitForMessages(soc, 1)).length).toBe(1);
	});

	it('runs Create Folder, Copy, Append (save draft), Get Quota and List Folders in one workflow', async () => {
		const { n8n, userFolder } = setup;
		const soc = newMailbox('n8n-folders');
		const messageId = `<host-folders-${major}-${Date.now()}@example.test>`;
		await appendMessages(soc, [
			[
				'From: Reporter <reporter@example.test>',
				`To: ${soc}`,
				'Subject: Evidence',
				`Message-ID: ${messageId}`,
				'',
				'keep this',
				'',
			].join('\r\n'),
		]);
		const credential = `mailboxFolders${major}01`;
		importCredential(n8n, userFolder, credential, credentialsFor(soc));
		const chain = ['Create', 'Copy', 'Draft', 'Quota', 'List'];
		const inbox = { __rl: true, mode: 'list', value: 'INBOX' };
		importWorkflow(n8n, userFolder, {
			id: credential,
			name: 'Mailbox folders',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode('Create', credential, { operation: 'createFolder', path: 'Cases/2026-117', options: {} }, [200, 0]),
				mailboxNode(
					'Copy',
					credential,
					{
						operation: 'copy',
						folder: inbox,
						messageId,
						destinationFolder: { __rl: true, mode: 'name', value: "={{ $('Create').item.json.path }}" },
						options: {},
					},
					[400, 0],
				),
				mailboxNode(
					'Draft',
					credential,
					{
						operation: 'append',
						folder: { __rl: true, mode: 'name', value: 'Drafts' },
						source: 'compose',
						recipients: 'reporter@example.test',
						subject: 'Re: Evidence',
						content: 'We are on it.',
						options: { flags: '\\Draft', contentType: 'text' },
					},
					[600, 0],
				),
				mailboxNode('Quota', credential, { operation: 'getQuota', folder: inbox, options: {} }, [800, 0]),
				mailboxNode('List', credential, { operation: 'listFolders', options: {} }, [1000, 0]),
			],
			connections: Object.fromEntries(
				['Start', ...chain.slice(0, -1)].map((name, index) => [
					name,
					{ main: [[{ node: chain[index], type: 'main', index: 0 }]] },
				]),
			),
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, credential);
		expect(nodeOutput(run, 'Create')).toEqual([{ path: 'Cases/2026-117', created: true }]);
		expect(nodeOutput(run, 'Copy')).toEqual([{ found: true, copied: true, message_id: messageId, new_email_uid: 1 }]);
		expect(nodeOutput(run, 'Draft')).toEqual([
			{ appended: true, folder: 'Drafts', email_uid: 1, message_id: expect.stringMatching(/^<.+>$/) },
		]);
		expect(nodeOutput(run, 'Quota')).toEqual([
			expect.objectContaining({
				folder: 'INBOX',
				messages_used: 3,
				storage_limit: expect.any(Number),
				messages_limit: expect.any(Number),
			}),
		]);
		const listed = new Map(nodeOutput(run, 'List').map((folder) => [folder.path, folder]));
		expect(listed.get('INBOX')).toMatchObject({ messages: 1, special_use: null });
		expect(listed.get('Cases/2026-117')).toMatchObject({ messages: 1, unseen: 1 });
		expect(listed.get('Drafts')).toMatchObject({ messages: 1 });
		expect(listed.get('Trash')).toMatchObject({ special_use: '\\Trash' });
		const draft = await openMailbox(soc, async (client) => {
			await client.mailboxOpen('Drafts', { readOnly: true });
			const message = await client.fetchOne('1', { flags: true, source: true });
			return message
				? { flags: [...(message.flags ?? [])], subject: (await simpleParser(message.source as Buffer)).subject }
				: undefined;
		});
		expect(draft).toEqual({ flags: expect.arrayContaining(['\\Draft']), subject: 'Re: Evidence' });
	});
});
