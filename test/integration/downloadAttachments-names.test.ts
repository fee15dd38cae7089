import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { attachment, download, mime, tempDir, type Attachment } from '../helpers/downloads';
import { appendMessages, newMailbox } from '../helpers/servers';

describe('downloadAttachments', () => {
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
});
