import { existsSync } from 'node:fs';
import path from 'node:path';

import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { searchFolders } from '../../nodes/Email/methods/folders';
import { attachment, download, mime, tempDir, type Attachment } from '../helpers/downloads';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { seenFlags } from './readops.helpers';

describe('downloadAttachments', () => {
	it('searches by Message-ID with or without <>, exactly, by non-ASCII or quoted subject, by UID list and unread', async () => {
		const address = newMailbox('search');
		const uids = await appendMessages(address, [
			mime(
				[attachment('filename="a.txt"', 'a')],
				'=?utf-8?Q?Verd=C3=A4chtige_Anmeldung_=E2=9C=93?=',
				'<abc@example.test>',
			),
			mime([attachment('filename="b.txt"', 'b')], 'Alert "quoted" \\ back\\slash', '<xabc@example.test>'),
			mime([attachment('filename="c.txt"', 'c')], 'plain three', '<three@example.test>'),
		]);
		await appendMessages(
			address,
			[mime([attachment('filename="d.txt"', 'd')], 'already read', '<four@example.test>')],
			{ flags: ['\\Seen'] },
		);
		const names = async (parameters: Record<string, unknown>) =>
			(
				(await download(address, { downloadPath: tempDir(), options: { binaryOutput: false }, ...parameters }))[0].json
					.attachments as unknown as Attachment[]
			).map((entry) => entry.filename);
		expect(await names({ messageId: '<abc@example.test>' })).toEqual(['a.txt']);
		expect(await names({ messageId: 'abc@example.test' })).toEqual(['a.txt']);
		expect(await names({ subjectFilter: 'Verdächtige' })).toEqual(['a.txt']);
		expect(await names({ subjectFilter: '✓' })).toEqual(['a.txt']);
		expect(await names({ subjectFilter: '"quoted" \\ back' })).toEqual(['b.txt']);
		expect(await names({ emailUid: `${uids[0]}, ${uids[2]}` })).toEqual(['a.txt', 'c.txt']);
		expect(await names({ onlyUnread: true })).toEqual(['a.txt', 'b.txt', 'c.txt']);
		expect(await names({ subjectFilter: 'read', onlyUnread: true })).toEqual([]);
		const [item] = await download(address, { messageId: '<abc@example.test>', downloadPath: tempDir() });
		expect((item.json.attachments as unknown as Attachment[])[0]).toMatchObject({
			message_id: '<abc@example.test>',
			email_uid: uids[0],
			contentType: 'text/plain',
			size: 1,
		});
		expect(await seenFlags(address, 'INBOX')).toEqual([false, false, false, true]);
	});

	it('refuses to run without a filter, and a missing message is an empty result', async () => {
		const address = newMailbox('nofilter');
		await appendMessages(address, [mime([attachment('filename="a.txt"', 'a')])]);
		const downloadPath = path.join(tempDir(), 'never-created');
		await expect(download(address, { downloadPath })).rejects.toThrow(/No filter is set/);
		const [failed] = await download(address, { downloadPath }, true);
		expect(failed.json.error).toMatch(/No filter is set/);
		await expect(download(address, { emailUid: '1 OR ALL', downloadPath })).rejects.toThrow(/not a UID list/);
		const [missing] = await download(address, { messageId: '<nothing-here@example.test>', downloadPath });
		expect(missing.json).toEqual({ attachments_local_paths: '', attachments: [] });
		expect(missing.binary).toBeUndefined();
		expect(existsSync(downloadPath)).toBe(false);
	});

	it('reads the folder picked from the list or typed, and lists the server folders', async () => {
		const address = newMailbox('folders');
		await appendMessages(address, [mime([attachment('filename="p.txt"', 'p')], 'phish')], { folder: 'Phishing' });
		const fromList = await download(address, {
			folder: { __rl: true, mode: 'list', value: 'Phishing' },
			subjectFilter: 'phish',
			downloadPath: tempDir(),
		});
		expect((fromList[0].json.attachments as unknown as Attachment[]).map((entry) => entry.filename)).toEqual(['p.txt']);
		const typed = await download(address, { folder: 'Phishing', subjectFilter: 'phish', downloadPath: tempDir() });
		expect((typed[0].json.attachments as unknown as Attachment[]).map((entry) => entry.filename)).toEqual(['p.txt']);
		await expect(
			download(address, { folder: 'Nope', subjectFilter: 'phish', downloadPath: tempDir() }),
		).rejects.toThrow(/Folder "Nope" could not be opened/);

		const context = {
			getCredentials: async () => credentialsFor(address),
			getCurrentNodeParameter: () => undefined,
			getNode: () => ({ name: 'Mailbox' }),
		} as unknown as ILoadOptionsFunctions;
		const all = await searchFolders.call(context);
		expect(all.results.map((entry) => entry.value)).toEqual(expect.arrayContaining(['INBOX', 'Phishing']));
		expect(all.results[0].value).toBe('INBOX');
		expect((await searchFolders.call(context, 'phi')).results.map((entry) => entry.value)).toEqual(['Phishing']);
	});
});
