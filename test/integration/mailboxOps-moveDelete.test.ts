import { hideCapabilities, startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { folderState, rawMail, run, subjectsIn } from '../helpers/mailboxOps';
import { appendMessages, credentialsFor, newMailbox, servers } from '../helpers/servers';

describe('Move, Delete and Mark', () => {
	it('moves one mail by Message-ID or UID, says its new UID, and answers found: false for a mail not there', async () => {
		const address = newMailbox('move');
		const credentials = credentialsFor(address);
		await appendMessages(address, [
			rawMail('Keep'),
			rawMail('Handled', { id: 'handled@example.test' }),
			rawMail('By UID'),
		]);
		await appendMessages(address, [rawMail('Already there')], { folder: 'Processed' });
		const [moved] = await run(credentials, {
			operation: 'move',
			messageId: 'handled@example.test',
			destinationFolder: { __rl: true, mode: 'list', value: 'Processed' },
		});
		expect(moved.json).toEqual({
			found: true,
			moved: true,
			message_id: '<handled@example.test>',
			from_folder: 'INBOX',
			to_folder: 'Processed',
			new_email_uid: 2,
		});
		expect(await subjectsIn(address, 'INBOX')).toEqual(['Keep', 'By UID']);
		expect(await subjectsIn(address, 'Processed')).toEqual(['Already there', 'Handled']);
		const [byUid] = await run(credentials, { operation: 'move', emailUid: '3', destinationFolder: 'Processed' });
		expect(byUid.json).toMatchObject({ found: true, moved: true, new_email_uid: 3 });
		const [missing] = await run(credentials, {
			operation: 'move',
			messageId: 'handled@example.test',
			destinationFolder: 'Processed',
		});
		expect(missing.json).toEqual({
			found: false,
			moved: false,
			message_id: '<handled@example.test>',
			from_folder: 'INBOX',
			to_folder: 'Processed',
			new_email_uid: null,
		});
		await expect(run(credentials, { operation: 'move', emailUid: '1', destinationFolder: 'Nowhere' })).rejects.toThrow(
			/Destination Folder "Nowhere" does not exist.*Create Folder/,
		);
		const [created] = await run(credentials, {
			operation: 'move',
			emailUid: '1',
			destinationFolder: 'Cases/2026',
			options: { createFolder: true },
		});
		expect(created.json).toMatchObject({ found: true, moved: true, to_folder: 'Cases/2026' });
		expect(await subjectsIn(address, 'Cases/2026')).toEqual(['Keep']);
		expect(await subjectsIn(address, 'INBOX')).toEqual([]);
	});

	it('deletes to the \\Trash folder, or for good without touching another mail flagged \\Deleted', async () => {
		const address = newMailbox('delete');
		const credentials = credentialsFor(address);
		await appendMessages(address, [
			rawMail('Phish 1', { id: 'phish-1@example.test' }),
			rawMail('Phish 2', { id: 'phish-2@example.test' }),
		]);
		await appendMessages(address, [rawMail('Someone else deleted this')], { flags: ['\\Deleted'] });
		const [trashed] = await run(credentials, { operation: 'delete', messageId: '<phish-1@example.test>' });
		expect(trashed.json).toEqual({
			found: true,
			deleted: true,
			message_id: '<phish-1@example.test>',
			to_folder: 'Trash',
		});
		expect(await subjectsIn(address, 'Trash')).toEqual(['Phish 1']);
		const [gone] = await run(credentials, {
			operation: 'delete',
			messageId: 'phish-2@example.test',
			options: { permanent: true },
		});
		expect(gone.json).toEqual({ found: true, deleted: true, message_id: '<phish-2@example.test>', to_folder: null });
		expect(await folderState(address, 'INBOX')).toEqual([
			{ uid: 3, subject: 'Someone else deleted this', flags: ['\\Deleted'] },
		]);
		const [again] = await run(credentials, {
			operation: 'delete',
			messageId: 'phish-2@example.test',
			options: { permanent: true },
		});
		expect(again.json).toEqual({ found: false, deleted: false, message_id: '<phish-2@example.test>', to_folder: null });
		await expect(run(credentials, { operation: 'delete', folder: 'Trash', emailUid: '1' })).rejects.toThrow(
			/already in the trash folder.*Permanent/,
		);
		const [failed] = await run(credentials, { operation: 'delete' }, true);
		expect(failed.json.error).toMatch(/Neither Message ID nor Email UID/);
	});

	it('marks read, unread, flagged and unflagged, adds and removes keywords, and says the flags after', async () => {
		const address = newMailbox('flags');
		const credentials = credentialsFor(address);
		await appendMessages(address, [rawMail('Mark me', { id: 'mark@example.test' }), rawMail('Leave me')]);
		const mark = async (markAs: string, options = {}) =>
			(await run(credentials, { operation: 'setFlags', messageId: 'mark@example.test', markAs, options }))[0].json;
		expect(await mark('read', { addKeywords: '$Phishing, Triaged' })).toEqual({
			found: true,
			message_id: '<mark@example.test>',
			flags: expect.arrayContaining(['\\Seen', '$Phishing', 'Triaged']),
		});
		expect(((await mark('flagged', { removeKeywords: 'Triaged' })).flags as string[]).sort()).toEqual([
			'$Phishing',
			'\\Flagged',
			'\\Seen',
		]);
		expect(((await mark('unread')).flags as string[]).sort()).toEqual(['$Phishing', '\\Flagged']);
		expect((await mark('unflagged', { removeKeywords: '$Phishing' })).flags).toEqual([]);
		await expect(mark('read', { addKeywords: 'two words' })).rejects.toThrow(/"two words" is not a valid IMAP keyword/);
		const [missing] = await run(credentials, { operation: 'setFlags', emailUid: '99', markAs: 'read' });
		expect(missing.json).toEqual({ found: false, message_id: '', flags: [] });
		expect((await folderState(address, 'INBOX')).map((entry) => entry.flags)).toEqual([[], []]);
	});
});

describe('on a server without MOVE and UIDPLUS (capabilities hidden by a proxy)', () => {
	let proxy: FaultProxy;
	afterEach(async () => proxy?.close());

	const sentCommands = () =>
		proxy.clientText.split('\r\n').map((line) => line.split(' ').slice(1).join(' ').toUpperCase());

	it('without MOVE: moves by UID COPY, \\Deleted and UID EXPUNGE of that UID only; other \\Deleted mail stays', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('MOVE') });
		const address = newMailbox('nomove');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [rawMail('Move me', { id: 'move-me@example.test' })]);
		await appendMessages(address, [rawMail('Deleted by someone else')], { flags: ['\\Deleted'] });
		const [moved] = await run(credentials, {
			operation: 'move',
			messageId: 'move-me@example.test',
			destinationFolder: 'Archive',
		});
		expect(moved.json).toMatchObject({ found: true, moved: true, to_folder: 'Archive', new_email_uid: 1 });
		expect(await subjectsIn(address, 'Archive')).toEqual(['Move me']);
		expect(await folderState(address, 'INBOX')).toEqual([
			{ uid: 2, subject: 'Deleted by someone else', flags: ['\\Deleted'] },
		]);
		const commands = sentCommands();
		expect(commands.some((command) => command.startsWith('UID MOVE'))).toBe(false);
		expect(commands.some((command) => command.startsWith('UID COPY 1 '))).toBe(true);
		expect(commands).toContain('UID EXPUNGE 1');
		expect(commands).not.toContain('EXPUNGE');
	});

	it('without MOVE and UIDPLUS: move and permanent delete refuse and change nothing; delete to trash still works', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('MOVE', 'UIDPLUS') });
		const address = newMailbox('nouidplus');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [rawMail('Target', { id: 'target@example.test' })]);
		await appendMessages(address, [rawMail('Deleted by someone else')], { flags: ['\\Deleted'] });
		const before = await folderState(address, 'INBOX');
		await expect(
			run(credentials, { operation: 'delete', messageId: 'target@example.test', options: { permanent: true } }),
		).rejects.toThrow(/does not support UIDPLUS.*plain EXPUNGE.*Nothing was changed/);
		await expect(
			run(credentials, { operation: 'move', messageId: 'target@example.test', destinationFolder: 'Archive' }),
		).rejects.toThrow(/does not support UIDPLUS.*Nothing was changed/);
		await expect(run(credentials, { operation: 'delete', messageId: 'target@example.test' })).rejects.toThrow(
			/UIDPLUS/,
		);
		expect(await folderState(address, 'INBOX')).toEqual(before);
		expect(await subjectsIn(address, 'Archive')).toEqual([]);
		const commands = sentCommands();
		expect(commands.filter((command) => /^(UID )?(EXPUNGE|COPY|MOVE|STORE)/.test(command))).toEqual([]);
	});

	it('with MOVE but no UIDPLUS: moves and deletes to trash by UID MOVE; a permanent delete still refuses', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('UIDPLUS') });
		const address = newMailbox('moveonly');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [
			rawMail('One', { id: 'one@example.test' }),
			rawMail('Two', { id: 'two@example.test' }),
		]);
		const [moved] = await run(credentials, { operation: 'delete', messageId: 'one@example.test' });
		expect(moved.json).toMatchObject({ found: true, deleted: true, to_folder: 'Trash' });
		await expect(
			run(credentials, { operation: 'delete', messageId: 'two@example.test', options: { permanent: true } }),
		).rejects.toThrow(/UIDPLUS/);
		expect(await subjectsIn(address, 'INBOX')).toEqual(['Two']);
		expect(sentCommands().some((command) => command.startsWith('UID MOVE'))).toBe(true);
	});
});
