import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Email } from '../../nodes/Email/Email.node';
import { runNode } from '../helpers/nodeContext';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import { asServed, seenFlags } from './readops.helpers';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function getEml(address: string, parameters: Record<string, unknown>, continueOnFail = false) {
	const [items] = await runNode(new Email(), {
		parameters: {
			operation: 'getEml',
			folder: 'INBOX',
			messageId: '',
			emailUid: '',
			base64Encode: true,
			...parameters,
		},
		credentials: credentialsFor(address),
		continueOnFail,
	});
	return items;
}

describe('getEml', () => {
	/** Get EML File over every mail of `files`: the server's bytes unchanged, by UID, flags untouched. */
	async function expectServedUnchanged(files: string[], mailbox: string): Promise<void> {
		const address = newMailbox(mailbox);
		const raws = files.map((file) => readFileSync(file));
		const uids = await appendMessages(address, raws);
		let identical = 0;
		for (const [index, uid] of uids.entries()) {
			const where = path.relative(process.cwd(), files[index]);
			const [item] = await getEml(address, { emailUid: String(uid) });
			const bytes = Buffer.from(item.json.eml_base64 as string, 'base64');
			// Files already written with CRLF come back byte for byte; bare LF lines come back as CRLF.
			expect({ where, sha256: sha256(bytes) }).toEqual({ where, sha256: sha256(asServed(raws[index])) });
			if (bytes.equals(raws[index])) identical++;
			expect(Buffer.from(item.binary!.data.data, 'base64').equals(bytes)).toBe(true);
			expect(item.binary!.data.mimeType).toBe('message/rfc822');
			expect(item.binary!.data.fileName).toMatch(/^[^/\\]+\.eml$/);
			expect(item.json).toMatchObject({ found: true, email_uid: uid, folder: 'INBOX', size: bytes.length });
		}
		expect(identical).toBeGreaterThan(0);
		expect(await seenFlags(address, 'INBOX')).toEqual(uids.map(() => false));
	}

	it('returns the server bytes of every fixture mail unchanged, by UID, without touching flags', async () => {
		await expectServedUnchanged(fixtureMails(), 'eml-fixtures');
	});

	mailCorpus.it(
		'returns the server bytes of every corpus mail unchanged, by UID, without touching flags',
		async () => {
			await expectServedUnchanged(mailCorpus.files(), 'eml-corpus');
		},
		300_000,
	);

	it('finds a mail by Message-ID with or without <>, as text or base64, named <id>.eml', async () => {
		const address = newMailbox('eml');
		const raw = Buffer.from(
			'From: a@example.test\r\nTo: b@example.test\r\nSubject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <Case.4711@Example.Test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus dem SOC\r\n',
		);
		await appendMessages(address, [
			Buffer.from('From: x@example.test\r\nMessage-ID: <other@example.test>\r\n\r\nother\r\n'),
		]);
		const [uid] = await appendMessages(address, [raw], { flags: ['\\Flagged'] });
		const [base64] = await getEml(address, { messageId: '<Case.4711@Example.Test>' });
		expect(base64.json).toEqual({
			found: true,
			eml_base64: raw.toString('base64'),
			message_id: '<Case.4711@Example.Test>',
			email_uid: uid,
			folder: 'INBOX',
			size: raw.length,
		});
		expect(base64.binary!.data.fileName).toBe('Case.4711@Example.Test.eml');
		const [text] = await getEml(address, { messageId: 'Case.4711@Example.Test', base64Encode: false });
		expect(text.json.eml).toBe(raw.toString('utf8'));
		expect(text.json.eml_base64).toBeUndefined();
		expect(await seenFlags(address, 'INBOX')).toEqual([false, false]);
	});

	it('reads another folder, answers found: false for a missing mail, and refuses without Message-ID or UID', async () => {
		const address = newMailbox('eml-missing');
		const raw = Buffer.from('From: a@example.test\r\nMessage-ID: <in-folder@example.test>\r\n\r\nbody\r\n');
		await appendMessages(address, [raw], { folder: 'Cases' });
		const [fromFolder] = await getEml(address, {
			folder: { __rl: true, mode: 'name', value: 'Cases' },
			messageId: 'in-folder@example.test',
		});
		expect(Buffer.from(fromFolder.json.eml_base64 as string, 'base64').equals(raw)).toBe(true);
		expect(fromFolder.json.folder).toBe('Cases');
		const [missing] = await getEml(address, { messageId: '<in-folder@example.test>' });
		expect(missing.json).toEqual({
			found: false,
			message_id: '<in-folder@example.test>',
			email_uid: null,
			folder: 'INBOX',
			size: 0,
		});
		expect(missing.binary).toBeUndefined();
		const [missingUid] = await getEml(address, { folder: 'Cases', emailUid: '999' });
		expect(missingUid.json).toMatchObject({ found: false, email_uid: 999 });
		await expect(getEml(address, {})).rejects.toThrow(/Neither Message ID nor Email UID/);
		await expect(getEml(address, { emailUid: '1,2' })).rejects.toThrow(/single UID/);
		const [failed] = await getEml(address, {}, true);
		expect(failed.json.error).toMatch(/Neither Message ID nor Email UID/);
	});
});
