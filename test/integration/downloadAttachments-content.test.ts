import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';

import { fallbackFileName, isInlinePart, parseMessage, safeFileName } from '../../nodes/mail';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import {
	attachment,
	download,
	largeMailWithAttachedMail,
	mime,
	sha256,
	tempDir,
	type Attachment,
} from '../helpers/downloads';
import { appendMessages, newMailbox, waitForMessages } from '../helpers/servers';
import { asServed, seenFlags } from './readops.helpers';

/**
 * What postal-mime (the package's parser, called here directly) finds: the attachments of the mail and of
 * every attached mail, depth first.
 */
async function expectedAttachments(
	raw: Buffer,
	includeInline: boolean,
	depth = 0,
): Promise<Array<{ sha256: string; name: string | undefined }>> {
	const email = await PostalMime.parse(raw, { forceRfc822Attachments: true });
	const found = [];
	for (const part of email.attachments) {
		const content = Buffer.from(part.content as ArrayBuffer);
		const shown = {
			contentType: part.mimeType,
			contentDisposition: part.disposition ?? undefined,
			related: part.related,
		};
		if (!includeInline && isInlinePart(shown)) continue;
		found.push({ sha256: sha256(content), name: part.filename ?? undefined });
		if (part.mimeType === 'message/rfc822' && depth < 8)
			found.push(...(await expectedAttachments(content, includeInline, depth + 1)));
	}
	return found;
}

/** The base64 attachments a second parser (mailparser) decodes: their bytes do not depend on who reads them. */
async function base64AttachmentsByMailparser(raw: Buffer): Promise<string[]> {
	const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
	return parsed.attachments
		.filter((part) => String(part.headers.get('content-transfer-encoding') ?? '').toLowerCase() === 'base64')
		.map((part) => sha256(part.content));
}

describe('downloadAttachments', () => {
	/** Download Attachments over every mail of `files`: what the parser finds, byte-exact; the count saved. */
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
			const savedHashes = new Set(saved.map((entry) => entry.sha256));
			for (const hash of await base64AttachmentsByMailparser(source))
				expect({ where, mailparserDecoded: hash, saved: savedHashes.has(hash) }).toMatchObject({ saved: true });
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

	it('saves a 12 MB attachment to disk byte-exact, and labels attachments of an attached mail with the outer mail', async () => {
		const address = newMailbox('large');
		const { big, outer } = largeMailWithAttachedMail('<outer@example.test>');
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
	it('parses a mail once and its attached mail once more, and saves what the trigger item of that mail lists', async () => {
		const address = newMailbox('one-parse');
		const inner = mime([attachment('filename="inner.pdf"', '%PDF-1.4 inner')], 'inner', '<inner-1@example.test>');
		const outer = mime(
			[
				attachment('filename="outer.txt"', 'outer'),
				{ headers: 'Content-Type: message/rfc822\r\nContent-Disposition: attachment', body: inner },
			],
			'outer',
			'<outer-1@example.test>',
		);
		const [uid] = await appendMessages(address, [outer]);
		const parses = jest.spyOn(PostalMime, 'parse');
		try {
			const [item] = await download(address, { emailUid: String(uid), downloadPath: tempDir() });
			expect(parses).toHaveBeenCalledTimes(2);
			const saved = item.json.attachments as unknown as Attachment[];
			const [stored] = await waitForMessages(address, 1);
			const { fields } = await parseMessage(stored.source, { uid, uidValidity: '1', folder: 'INBOX', flags: [] });
			expect(saved.slice(0, 2).map((entry) => entry.sha256)).toEqual(fields.attachments.map((entry) => entry.sha256));
			expect(saved.map((entry) => entry.filename)).toEqual(['outer.txt', 'attachment-2.eml', 'inner.pdf']);
		} finally {
			parses.mockRestore();
		}
	});
});

/** `name.ext` or, when that was taken by an earlier part, `name (n).ext`. */
function nameOrNumbered(wanted: string): RegExp {
	const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const dot = wanted.lastIndexOf('.');
	const [base, extension] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
	return new RegExp(`^${escape(base)}( \\(\\d+\\))?${escape(extension)}$`);
}
