import { createHash, randomBytes } from 'node:crypto';

import { parseMessage } from '../../nodes/mail/message';

/**
 * Base64 attachments come out byte for byte, however the sender cut and padded them: postal-mime's
 * base64 parts are decoded in batches with Node's decoder (decodeBase64InBatches in
 * nodes/mail/postalMimeDecoderPatch.ts), and every cut below crosses a batch or a line in another way.
 */
const origin = { uid: 1, uidValidity: '1', folder: 'INBOX', flags: [] };

function mailWith(encoded: string, lineEnd = '\r\n'): Buffer {
	return Buffer.from(
		[
			'From: Sensor <sensor@example.test>',
			'To: soc@example.test',
			'Subject: capture',
			'Message-ID: <capture@example.test>',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="part"',
			'',
			'--part',
			'Content-Type: text/plain',
			'',
			'The capture is attached.',
			'--part',
			'Content-Type: application/octet-stream; name="capture.bin"',
			'Content-Disposition: attachment; filename="capture.bin"',
			'Content-Transfer-Encoding: base64',
			'',
			encoded,
			'--part--',
			'',
		].join(lineEnd),
		'latin1',
	);
}

const lines = (text: string, width: number, lineEnd = '\r\n') =>
	text.replace(new RegExp(`.{${width}}`, 'g'), `$&${lineEnd}`).replace(new RegExp(`${lineEnd}$`), '');

async function attachmentOf(raw: Buffer): Promise<Buffer> {
	const { attachments } = await parseMessage(raw, origin);
	expect(attachments).toHaveLength(1);
	return attachments[0].content;
}

describe('base64 attachments', () => {
	// Around the decoder's 256 KB batches and its 100 KB chunks, and the smallest remainders.
	const sizes = [0, 1, 2, 3, 4, 57, 58, 1000, 76 * 1024, 192 * 1024 - 1, 192 * 1024 + 2, 1024 * 1024 + 1];

	it.each(sizes)('%i bytes in 76-letter lines come out as they went in', async (size) => {
		const bytes = randomBytes(size);
		const content = await attachmentOf(mailWith(lines(bytes.toString('base64'), 76)));
		expect(createHash('sha256').update(content).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
	});

	it('reads LF line ends, one line of 1 MB, and lines of odd widths alike', async () => {
		const bytes = randomBytes(700 * 1024 + 5);
		const base64 = bytes.toString('base64');
		for (const raw of [
			mailWith(lines(base64, 76, '\n'), '\n'),
			mailWith(base64),
			mailWith(lines(base64, 61)),
			mailWith(lines(base64, 1)),
		]) {
			expect((await attachmentOf(raw)).equals(bytes)).toBe(true);
		}
	});

	it('joins pieces that each carry their own padding, across lines and batches', async () => {
		// Some mailers encode each line on its own: a line of 49 bytes ends in '=='.
		const bytes = randomBytes(400 * 1024);
		const pieces: string[] = [];
		for (let offset = 0; offset < bytes.length; offset += 49)
			pieces.push(bytes.subarray(offset, offset + 49).toString('base64'));
		expect(pieces[0].endsWith('==')).toBe(true);
		expect((await attachmentOf(mailWith(pieces.join('\r\n')))).equals(bytes)).toBe(true);
		// Padding that falls at the end of one line and the start of the next.
		const split = pieces.map((piece) => piece.replace(/==$/, '=\r\n='));
		expect((await attachmentOf(mailWith(split.join('\r\n')))).equals(bytes)).toBe(true);
	});

	it('skips what is not base64 (spaces, tabs, stray punctuation, a lone last letter)', async () => {
		const bytes = randomBytes(300 * 1024 + 1);
		const noisy = lines(bytes.toString('base64'), 76)
			.split('\r\n')
			.map((line, index) =>
				index % 3 === 0 ? ` ${line}\t` : index % 3 === 1 ? `${line.slice(0, 10)}!*${line.slice(10)}` : line,
			)
			.join('\r\n');
		const content = await attachmentOf(mailWith(`${noisy}\r\nQ`));
		expect(content.equals(bytes)).toBe(true);
	});
});
