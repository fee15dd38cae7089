import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { emlFileName, fallbackFileName, pathInside, safeFileName, saveStream } from '../../nodes/mail';

describe('safeFileName', () => {
	it.each([
		['../../etc/passwd', 'passwd'],
		['/etc/shadow', 'shadow'],
		['..\\..\\Windows\\system32\\evil.dll', 'evil.dll'],
		['C:\\Users\\x\\report.pdf', 'report.pdf'],
		['in\u0000voice\r\n.pdf', 'invoice.pdf'],
		['invoice\u202Efdp.exe', 'invoicefdp.exe'],
		['..', ''],
		['...', ''],
		['.bashrc', 'bashrc'],
		['CON', '_CON'],
		['aux.txt', '_aux.txt'],
		['lpt1.tar.gz', '_lpt1.tar.gz'],
		['what?<is>this*.doc', 'what__is_this_.doc'],
		['  trailing dots... ', 'trailing dots'],
		['Übersicht Geschäftsbericht.xlsx', 'Übersicht Geschäftsbericht.xlsx'],
		['', ''],
	])('%j -> %j', (input, expected) => {
		expect(safeFileName(input)).toBe(expected);
	});

	it('caps long names at 200 bytes and keeps the extension', () => {
		const name = safeFileName(`${'a'.repeat(500)}.pdf`);
		expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
		expect(name.endsWith('.pdf')).toBe(true);
		const multibyte = safeFileName(`${'ä'.repeat(300)}.docx`);
		expect(Buffer.byteLength(multibyte)).toBeLessThanOrEqual(200);
		expect(multibyte.endsWith('ä.docx')).toBe(true);
	});

	it('names parts without a name from their content type', () => {
		expect(fallbackFileName('application/pdf', 1)).toBe('attachment-1.pdf');
		expect(fallbackFileName('message/rfc822', 2)).toBe('attachment-2.eml');
		expect(fallbackFileName('x-unknown/thing', 3)).toBe('attachment-3.bin');
	});

	it('names .eml files after the Message-ID, safely', () => {
		expect(emlFileName({ messageId: '<abc@example.com>', uid: 4 })).toBe('abc@example.com.eml');
		expect(emlFileName({ messageId: '<../../x/evil>', uid: 4 })).toBe('evil.eml');
		expect(emlFileName({ messageId: '', uid: 4 })).toBe('message-4.eml');
	});
});

describe('saving files', () => {
	it('refuses names that leave the folder', () => {
		expect(() => pathInside('/tmp/x', '../y')).toThrow(/outside the download folder/);
		expect(() => pathInside('/tmp/x', '/etc/passwd')).toThrow(/outside/);
		expect(() => pathInside('/tmp/x', '..')).toThrow(/outside/);
		expect(pathInside('/tmp/x', 'a.txt')).toBe(path.resolve('/tmp/x/a.txt'));
	});

	it('never overwrites: a taken name gets " (1)", " (2)" and no temporary file is left', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'mailbox-save-'));
		writeFileSync(path.join(directory, 'report.pdf'), 'existing');
		const first = await saveStream(Readable.from([Buffer.from('one')]), directory, 'report.pdf');
		const second = await saveStream(Readable.from([Buffer.from('two')]), directory, 'report.pdf');
		expect(path.basename(first.path)).toBe('report (1).pdf');
		expect(path.basename(second.path)).toBe('report (2).pdf');
		expect(readFileSync(path.join(directory, 'report.pdf'), 'utf8')).toBe('existing');
		expect(readFileSync(second.path, 'utf8')).toBe('two');
		expect(readdirSync(directory).sort()).toEqual(['report (1).pdf', 'report (2).pdf', 'report.pdf']);
	});

	it('leaves no file behind when the stream fails half way', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'mailbox-save-'));
		const failing = new Readable({
			read() {
				this.push(Buffer.from('partial'));
				this.destroy(new Error('connection lost'));
			},
		});
		await expect(saveStream(failing, directory, 'big.iso')).rejects.toThrow('connection lost');
		expect(readdirSync(directory)).toEqual([]);
	});
});
