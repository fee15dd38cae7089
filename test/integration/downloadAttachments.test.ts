import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { simpleParser } from 'mailparser';
import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { searchFolders } from '../../nodes/Email/methods/folders';
import { fallbackFileName, isInlinePart, safeFileName, type SavedAttachment } from '../../nodes/mail';
import { runNode } from '../helpers/nodeContext';
import { appendMessages, credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import { asServed, seenFlags } from './readops.helpers';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'mailbox-dl-'));

type Attachment = SavedAttachment;

async function download(address: string, parameters: Record<string, unknown>, continueOnFail = false) {
	const [items] = await runNode(new Email(), {
		parameters: {
			operation: 'downloadAttachments',
			folder: 'INBOX',
			messageId: '',
			subjectFilter: '',
			emailUid: '',
			onlyUnread: false,
			options: {},
			...parameters,
		},
		credentials: credentialsFor(address),
		continueOnFail,
	});
	return items;
}

/** What a mailparser parse finds: its attachments, and those of every attached mail, depth first. */
async function expectedAttachments(
	raw: Buffer,
	includeInline: boolean,
	depth = 0,
): Promise<Array<{ sha256: string; name: string | undefined; contentType: string }>> {
	const parsed = await simpleParser(raw, {
		skipHtmlToText: true,
		skipTextToHtml: true,
		skipTextLinks: true,
		skipImageLinks: true,
	});
	const found = [];
	for (const attachment of parsed.attachments) {
		if (!includeInline && isInlinePart(attachment)) continue;
		found.push({ sha256: sha256(attachment.content), name: attachment.filename, contentType: attachment.contentType });
		if (attachment.contentType === 'message/rfc822' && depth < 8)
			found.push(...(await expectedAttachments(attachment.content, includeInline, depth + 1)));
	}
	return found;
}

function mime(
	parts: Array<{ headers: string; body: string | Buffer }>,
	subject = 'hostile names',
	messageId = `<${Math.random().toString(36).slice(2)}@test>`,
): string {
	const boundary = 'BOUNDARY-x1';
	return [
		'From: attacker@example.test',
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		`Content-Type: multipart/mixed; boundary="${boundary}"`,
		'',
		`--${boundary}`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		'see attached',
		...parts.flatMap((part) => [
			`--${boundary}`,
			part.headers,
			'Content-Transfer-Encoding: base64',
			'',
			Buffer.from(part.body).toString('base64').replace(/.{76}/g, '$&\r\n'),
		]),
		`--${boundary}--`,
		'',
	].join('\r\n');
}

const attachment = (filenameHeader: string, body: string) => ({
	headers: `Content-Type: application/octet-stream\r\nContent-Disposition: attachment; ${filenameHeader}`,
	body,
});

describe('downloadAttachments', () => {
	/** Download Attachments over every mail of `files`: what mailparser finds, byte-exact; the count saved. */
	async function expectEveryAttachment(files: string[], mailbox: string): Promise<number> {
		const address = newMailbox(mailbox);
		const raws = files.map((file) => readFileSync(file));
		const uids = await appendMessages(address, raws);
		// What the server holds: IMAP sends lines ending in CRLF, so bare-LF files come back with CRLF.
		const stored = new Map(
			(await waitForMessages(address, raws.length)).map((message) => [message.uid, message.source]),
		);
		let total = 0;
		let inlineSkipped = 0;
		for (const [index, uid] of uids.entries()) {
			const where = `${path.relative(process.cwd(), files[index])} (UID ${uid})`;
			const downloadPath = tempDir();
			const [item] = await download(address, {
				emailUid: String(uid),
				downloadPath,
				options: { includeInline: true, binaryOutput: false },
			});
			const saved = item.json.attachments as unknown as Attachment[];
			const source = stored.get(uid)!;
			expect({ where, sha256: sha256(source) }).toEqual({ where, sha256: sha256(asServed(raws[index])) });
			const expected = await expectedAttachments(source, true);
			expect({ where, sha256: saved.map((entry) => entry.sha256) }).toEqual({
				where,
				sha256: expected.map((entry) => entry.sha256),
			});
			expect(item.json.attachments_local_paths).toBe(saved.map((entry) => entry.path).join(','));
			for (const [position, entry] of saved.entries()) {
				expect(path.dirname(entry.path)).toBe(path.resolve(downloadPath));
				expect(sha256(readFileSync(entry.path))).toBe(entry.sha256);
				expect(entry.size).toBe(readFileSync(entry.path).length);
				expect(entry.email_uid).toBe(uid);
				// The decoded name made safe, or one made from the content type; " (n)" when taken.
				const wanted = safeFileName(expected[position].name) || fallbackFileName(entry.contentType, position + 1);
				expect({ where, name: entry.filename }).toEqual({ where, name: expect.stringMatching(nameOrNumbered(wanted)) });
			}
			expect(readdirSync(downloadPath).filter((name) => name.endsWith('.part'))).toEqual([]);
			const withoutInline = await download(address, {
				emailUid: String(uid),
				downloadPath: tempDir(),
				options: { binaryOutput: false },
			});
			const expectedWithoutInline = await expectedAttachments(source, false);
			expect({
				where,
				sha256: (withoutInline[0].json.attachments as unknown as Attachment[]).map((entry) => entry.sha256),
			}).toEqual({ where, sha256: expectedWithoutInline.map((entry) => entry.sha256) });
			total += saved.length;
			inlineSkipped += saved.length - expectedWithoutInline.length;
		}
		expect(await seenFlags(address, 'INBOX')).toEqual(uids.map(() => false));
		// eslint-disable-next-line no-console
		console.log(
			`${mailbox}: ${files.length} mails, ${total} attachments saved (${inlineSkipped} of them inline, skipped without includeInline)`,
		);
		return total;
	}

	it('finds every attachment of every fixture mail, decoded and byte-exact, and leaves flags alone', async () => {
		expect(await expectEveryAttachment(fixtureMails(), 'fixtures')).toBeGreaterThan(15);
	}, 120_000);

	mailCorpus.it(
		'finds every attachment of every corpus mail, decoded and byte-exact, and leaves flags alone',
		async () => {
			expect(await expectEveryAttachment(mailCorpus.files(), 'corpus')).toBeGreaterThan(20);
		},
		300_000,
	);

	it('keeps hostile names inside downloadPath, RFC 2047/2231 encoded or not', async () => {
		const address = newMailbox('hostile');
		const long = 'x'.repeat(500);
		const continued = Array.from(
			{ length: 10 },
			(_, i) => `filename*${i}*=${i === 0 ? "utf-8''" : ''}${'%2E%2E%2F'.repeat(2)}${'y'.repeat(50)}`,
		).join(';\r\n ');
		const parts = [
			attachment('filename="../../escape-1.sh"', 'one'),
			attachment('filename="/etc/escape-2"', 'two'),
			attachment('filename="..\\\\..\\\\escape-3.ini"', 'three'),
			attachment("filename*=utf-8''..%2F..%2Fescape-4%00%0A%1B.txt", 'four'),
			attachment('filename="=?utf-8?B?Li4vLi4vZXNjYXBlLTUudHh0?="', 'five'),
			attachment('filename="CON"', 'six'),
			attachment('filename="aux.txt"', 'seven'),
			attachment(`filename="${long}.pdf"`, 'eight'),
			attachment(continued, 'nine'),
			attachment('filename=".."', 'ten'),
			attachment("filename*=utf-8''%2Fetc%2Fpasswd", 'eleven'),
			attachment('filename="=?utf-8?Q?Gesch=C3=A4ftsbericht_=E2=9C=93.pdf?="', 'twelve'),
		];
		const root = tempDir();
		const downloadPath = path.join(root, 'inner', 'attachments');
		await appendMessages(address, [mime(parts)]);
		const [item] = await download(address, { subjectFilter: 'hostile names', downloadPath });
		const saved = item.json.attachments as unknown as Attachment[];
		expect(saved).toHaveLength(parts.length);
		for (const entry of saved) {
			expect(path.dirname(entry.path)).toBe(downloadPath);
			expect(Buffer.byteLength(entry.filename)).toBeLessThanOrEqual(200);
			// eslint-disable-next-line no-control-regex
			expect(entry.filename).not.toMatch(/[/\\\u0000-\u001f]|^\.|^(con|aux)(\.|$)/i);
		}
		expect(readdirSync(downloadPath)).toHaveLength(parts.length);
		expect(readdirSync(path.join(root, 'inner')).sort()).toEqual(['attachments']);
		expect(readdirSync(root)).toEqual(['inner']);
		expect(existsSync('/etc/escape-2')).toBe(false);
		const names = saved.map((entry) => entry.filename);
		expect(names).toEqual(
			expect.arrayContaining([
				'escape-1.sh',
				'escape-2',
				'escape-3.ini',
				'escape-4.txt',
				'escape-5.txt',
				'_CON',
				'_aux.txt',
				'passwd',
				'Geschäftsbericht ✓.pdf',
			]),
		);
		expect(names.find((name) => name.endsWith('.pdf') && name.startsWith('xxx'))).toHaveLength(200);
		expect(saved.map((entry) => readFileSync(entry.path, 'utf8'))).toEqual([
			'one',
			'two',
			'three',
			'four',
			'five',
			'six',
			'seven',
			'eight',
			'nine',
			'ten',
			'eleven',
			'twelve',
		]);
		// binaryOutput is on by default: one binary property per file, same bytes.
		expect(Object.keys(item.binary ?? {})).toEqual(saved.map((_, index) => `attachment_${index}`));
		expect(Buffer.from(item.binary!.attachment_11.data, 'base64').toString()).toBe('twelve');
		expect(item.binary!.attachment_11.fileName).toBe('Geschäftsbericht ✓.pdf');
	});

	it('gives two mails with the same attachment name two files, and never overwrites', async () => {
		const address = newMailbox('same');
		await appendMessages(address, [
			mime([attachment('filename="report.pdf"', 'first')], 'weekly report'),
			mime([attachment('filename="report.pdf"', 'second')], 'weekly report'),
		]);
		const downloadPath = tempDir();
		const [first] = await download(address, { subjectFilter: 'weekly', downloadPath });
		expect((first.json.attachments as unknown as Attachment[]).map((entry) => path.basename(entry.path))).toEqual([
			'report.pdf',
			'report (1).pdf',
		]);
		const [again] = await download(address, { subjectFilter: 'weekly', downloadPath });
		expect((again.json.attachments as unknown as Attachment[]).map((entry) => path.basename(entry.path))).toEqual([
			'report (2).pdf',
			'report (3).pdf',
		]);
		expect(readFileSync(path.join(downloadPath, 'report.pdf'), 'utf8')).toBe('first');
		expect(readFileSync(path.join(downloadPath, 'report (1).pdf'), 'utf8')).toBe('second');
	});

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

	it('streams a 12 MB attachment to disk byte-exact, and labels attachments of an attached mail with the outer mail', async () => {
		const address = newMailbox('large');
		const big = Buffer.alloc(12 * 1024 * 1024);
		for (let offset = 0; offset < big.length; offset += 4) big.writeUInt32LE((offset * 2654435761) >>> 0, offset);
		const inner = mime([attachment('filename="inner.txt"', 'nested')], 'inner mail', '<inner@example.test>');
		const outer = mime(
			[
				{ headers: 'Content-Type: application/zip\r\nContent-Disposition: attachment; filename="big.zip"', body: big },
				{
					headers: 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="forwarded.eml"',
					body: inner,
				},
			],
			'large',
			'<outer@example.test>',
		);
		const [uid] = await appendMessages(address, [outer]);
		const downloadPath = tempDir();
		const [item] = await download(address, { emailUid: String(uid), downloadPath, options: { binaryOutput: false } });
		const saved = item.json.attachments as unknown as Attachment[];
		expect(saved.map((entry) => entry.filename)).toEqual(['big.zip', 'forwarded.eml', 'inner.txt']);
		expect(saved[0]).toMatchObject({ size: big.length, sha256: sha256(big) });
		expect(sha256(readFileSync(saved[0].path))).toBe(sha256(big));
		expect(saved.map((entry) => entry.message_id)).toEqual([
			'<outer@example.test>',
			'<outer@example.test>',
			'<outer@example.test>',
		]);
		expect(readFileSync(saved[2].path, 'utf8')).toBe('nested');
	});

	it('saves a reported mail attached inline (as some clients forward) with its attachments, without includeInline', async () => {
		const address = newMailbox('inline-eml');
		const inner = mime(
			[attachment('filename="invoice.pdf"', '%PDF-1.4 phish')],
			'Invoice overdue',
			'<phish@example.test>',
		);
		const report = mime(
			[{ headers: 'Content-Type: message/rfc822\r\nContent-Disposition: inline', body: inner }],
			'Fwd: Invoice overdue',
			'<report@example.test>',
		);
		const [uid] = await appendMessages(address, [report]);
		const [item] = await download(address, {
			emailUid: String(uid),
			downloadPath: tempDir(),
			options: { binaryOutput: false },
		});
		const saved = item.json.attachments as unknown as Attachment[];
		expect(saved[0].contentType).toBe('message/rfc822');
		expect(saved.map((entry) => path.extname(entry.filename))).toEqual(['.eml', '.pdf']);
		expect(readFileSync(saved[1].path, 'utf8')).toBe('%PDF-1.4 phish');
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

/** `name.ext` or, when that was taken by an earlier part, `name (n).ext`. */
function nameOrNumbered(wanted: string): RegExp {
	const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const dot = wanted.lastIndexOf('.');
	const [base, extension] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
	return new RegExp(`^${escape(base)}( \\(\\d+\\))?${escape(extension)}$`);
}
