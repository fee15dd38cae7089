import { readFileSync } from 'node:fs';
import path from 'node:path';

import { downloadAttachments } from '../../nodes/mail';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import { crlf } from '../fixtures/phish';
import { largeMailWithAttachedMail, mime, sha256, tempDir } from '../helpers/downloads';
import { accountFor, appendMessages, newMailbox } from '../helpers/servers';

/**
 * A mail above the whole-mail limit streams part by part from the server's structure instead of being
 * parsed: it must save the same files as the parse does.
 */
describe('downloadAttachments of mail too large to hold', () => {
	const run = (address: string, uids: number[], wholeMailLimitBytes?: number, includeInline = true) =>
		downloadAttachments(accountFor(address), {
			folder: 'INBOX',
			downloadPath: tempDir(),
			filter: { uids: uids.join(',') },
			includeInline,
			wholeMailLimitBytes,
		});

	/*
	 * Names the server reads otherwise than postal-mime, from malformed headers: an unquoted name with
	 * spaces (the server keeps its first word) and an invalid byte in an encoded name (the server drops
	 * it, postal-mime writes U+FFFD). Only mails over the whole-mail limit are streamed.
	 */
	const NAMED_OTHERWISE = ['attachment_with_unquoted_name.eml', 'attachment_with_encoded_name.eml', 'raw_email8.eml'];

	/**
	 * Both ways over every mail of `files`: the same types and Message-IDs, the same names (but for
	 * NAMED_OTHERWISE), binary parts byte for byte; how many parts were compared by bytes.
	 */
	async function expectSameFiles(files: string[], mailbox: string): Promise<number> {
		const address = newMailbox(mailbox);
		const uids = await appendMessages(
			address,
			files.map((file) => readFileSync(file)),
		);
		let compared = 0;
		for (const includeInline of [true, false]) {
			for (const [position, uid] of uids.entries()) {
				const parsed = await run(address, [uid], undefined, includeInline);
				const streamed = await run(address, [uid], 0, includeInline);
				const named = !NAMED_OTHERWISE.includes(path.basename(files[position]));
				const shape = (result: typeof parsed) =>
					result.attachments.map(({ filename, contentType, message_id }) => ({
						filename: named ? filename : '',
						contentType,
						message_id,
					}));
				const where = `${files[position]} includeInline ${includeInline}`;
				expect({ where, files: shape(streamed) }).toEqual({ where, files: shape(parsed) });
				for (const [index, file] of streamed.attachments.entries()) {
					// postal-mime gives a text part's lines ending in LF (the server's bytes end them in CRLF),
					// and an attached mail's last line may gain a line end.
					if (/^text\/|^message\/rfc822$/.test(file.contentType)) continue;
					expect({ where, file: file.filename, sha256: file.sha256 }).toEqual({
						where,
						file: file.filename,
						sha256: parsed.attachments[index].sha256,
					});
					compared++;
				}
			}
		}
		return compared;
	}

	it('saves the same files as the parse over every fixture mail: names, types, bytes of binary parts', async () => {
		expect(await expectSameFiles(fixtureMails(), 'stream-fixtures')).toBeGreaterThan(10);
	}, 120_000);

	mailCorpus.it(
		'saves the same files as the parse over every corpus mail: names, types, bytes of binary parts',
		async () => {
			expect(await expectSameFiles(mailCorpus.files(), 'stream-corpus')).toBeGreaterThan(20);
		},
		300_000,
	);

	it('streams a 12 MB attachment and an attached mail with its own attachment, byte-exact', async () => {
		const address = newMailbox('stream-large');
		const { big, outer } = largeMailWithAttachedMail('<outer-s@example.test>');
		const uids = await appendMessages(address, [outer]);
		const { attachments, parseErrors } = await run(address, uids, 1024 * 1024);
		expect(parseErrors).toEqual([]);
		expect(attachments.map((file) => file.filename)).toEqual(['big.zip', 'forwarded.eml', 'inner.txt']);
		expect(attachments[0]).toMatchObject({
			size: big.length,
			sha256: sha256(big),
			message_id: '<outer-s@example.test>',
		});
		expect(readFileSync(attachments[1].path).toString('latin1')).toContain('Subject: inner mail');
		expect(readFileSync(attachments[2].path, 'utf8')).toBe('nested');
		expect(attachments.map((file) => file.message_id)).toEqual(Array(3).fill('<outer-s@example.test>'));
	});

	it('numbers unnamed parts within each mail, parsed and streamed alike', async () => {
		const address = newMailbox('stream-unnamed');
		const unnamed = { headers: 'Content-Type: application/pdf\r\nContent-Disposition: attachment', body: '%PDF-1.4 x' };
		const uids = await appendMessages(address, [mime([unnamed], 'first'), mime([unnamed], 'second')]);
		for (const limit of [undefined, 0]) {
			const { attachments } = await run(address, uids, limit);
			expect(attachments.map((file) => file.filename)).toEqual(['attachment-1.pdf', 'attachment-1 (1).pdf']);
		}
	});

	it('reads attached mails of one part, one inside another, as the parse does', async () => {
		const address = newMailbox('stream-single');
		const pdf = Buffer.from('%PDF-1.4 inner').toString('base64');
		const inner = crlf([
			'From: a@example.test',
			'Subject: inner',
			'MIME-Version: 1.0',
			'Content-Type: application/pdf; name="in.pdf"',
			'Content-Disposition: attachment; filename="in.pdf"',
			'Content-Transfer-Encoding: base64',
			'',
			pdf,
		]);
		const middle = crlf([
			'From: b@example.test',
			'Subject: middle',
			'MIME-Version: 1.0',
			'Content-Type: message/rfc822',
			'',
			inner,
		]);
		// Attached as they are (7bit), so that the server lists their parts.
		const attached = (name: string, body: string) => [
			'--B',
			'Content-Type: message/rfc822',
			`Content-Disposition: attachment; filename="${name}"`,
			'',
			body,
		];
		const outer = crlf([
			'From: c@example.test',
			'Subject: two attached mails',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="B"',
			'',
			...attached('one.eml', inner),
			...attached('two.eml', middle),
			'--B--',
			'',
		]);
		const uids = await appendMessages(address, [outer]);
		const parsed = await run(address, uids);
		const streamed = await run(address, uids, 0);
		const shape = (result: typeof parsed) =>
			result.attachments.map(({ filename, contentType }) => [filename, contentType]);
		expect(shape(streamed)).toEqual(shape(parsed));
		expect(shape(streamed).map(([filename]) => filename)).toEqual([
			'one.eml',
			'in.pdf',
			'two.eml',
			'attachment-4.eml',
			'in (1).pdf',
		]);
		// The attached mails' own bytes may differ in a final line end (postal-mime adds one); the PDFs may not.
		for (const index of [1, 4]) expect(streamed.attachments[index].sha256).toBe(parsed.attachments[index].sha256);
		expect(readFileSync(streamed.attachments[4].path, 'latin1')).toBe('%PDF-1.4 inner');
	});

	it('counts an image deep inside multipart/related as inline, as the parse does', async () => {
		const address = newMailbox('stream-related');
		const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
		const mail = crlf([
			'From: a@example.test',
			'Subject: embedded',
			'MIME-Version: 1.0',
			'Content-Type: multipart/related; boundary="R"',
			'',
			'--R',
			'Content-Type: text/html',
			'',
			'<img src="cid:logo@example.test">',
			'--R',
			'Content-Type: multipart/mixed; boundary="M"',
			'',
			'--M',
			'Content-Type: image/png; name="logo.png"',
			'Content-ID: <logo@example.test>',
			'Content-Transfer-Encoding: base64',
			'',
			png,
			'--M--',
			'--R--',
			'',
		]);
		const uids = await appendMessages(address, [mail]);
		for (const limit of [undefined, 0]) {
			expect((await run(address, uids, limit, false)).attachments).toEqual([]);
			expect((await run(address, uids, limit, true)).attachments.map((file) => file.filename)).toEqual(['logo.png']);
		}
	});
});
