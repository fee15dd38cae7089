import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type PostalMimeType from 'postal-mime';

import { PATCHED_POSTAL_MIME, postalMimeDecoderPatch } from '../../nodes/mail/postalMimeDecoderPatch';
import { fixtureMails, mailCorpus } from '../helpers/corpus';

type PostalMime = typeof PostalMimeType;

// This file's registry holds the patched postal-mime (the patch module loaded it); an isolated
// registry loads postal-mime afresh, with its stock decoders.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const patched = require('postal-mime') as PostalMime;
const chunkWriter = `${dirname(require.resolve('postal-mime'))}/chunk-writer.js`;
const finalizers = new Map<PostalMime, string>([[patched, String(require(chunkWriter).prototype.finalize)]]);
let stock!: PostalMime;
jest.isolateModules(() => {
	stock = require('postal-mime') as PostalMime;
	finalizers.set(stock, String(require(chunkWriter).prototype.finalize));
});
const finalizeOf = (parser: PostalMime) => finalizers.get(parser);

/** A parse as comparable data: attachment bytes as hex, errors by message. */
async function parsed(parser: PostalMime, source: Buffer, options?: Parameters<PostalMime['parse']>[1]) {
	try {
		const email = await parser.parse(source, options);
		return {
			...email,
			attachments: email.attachments.map((part) => ({
				...part,
				content: Buffer.from(part.content as ArrayBuffer).toString('hex'),
			})),
		};
	} catch (error) {
		return { error: (error as Error).message };
	}
}

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** Bodies that take each replaced path at its edges: base64 cut and padded oddly, batches, pass-through and QP ends. */
function edgeMails(): Array<[string, Buffer]> {
	const bytes = randomBytes(700 * 1024);
	const base64 = bytes.toString('base64');
	const part = (encoding: string, body: string, last = '--p--') =>
		crlf([
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="p"',
			'',
			'--p',
			'Content-Type: application/octet-stream',
			`Content-Transfer-Encoding: ${encoding}`,
			'',
			body,
			last,
			'',
		]);
	return [
		['base64 over several batches', part('base64', base64.replace(/.{76}/g, '$&\r\n'))],
		[
			'base64 with every line padded',
			part(
				'base64',
				bytes
					.subarray(0, 57 * 40)
					.toString('hex')
					.match(/.{1,56}/g)!
					.map((hex) => Buffer.from(hex, 'hex').toString('base64'))
					.join('\r\n'),
			),
		],
		[
			'base64 with junk and a truncated group',
			part('base64', `${base64.slice(0, 4001)}*!\r\n${base64.slice(4001, 9000)}=\r\n${base64.slice(9000, 9003)}`),
		],
		[
			'base64 without a closing boundary',
			crlf(['Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', base64.slice(0, 2000)]),
		],
		[
			'8bit binary, LF and CRLF mixed',
			part(
				'8bit',
				`line one\nline two\r\n${bytes
					.subarray(0, 3000)
					.toString('latin1')
					.replace(/[\r\n]/g, '')}`,
			),
		],
		[
			'8bit at the end of the message, no break',
			crlf(['Content-Type: application/octet-stream', '', 'last line without a break']),
		],
		[
			'quoted-printable, soft breaks and the last line',
			part('quoted-printable', 'caf=C3=A9 =\r\nsoft=3Dbreak\r\nend  '),
		],
	];
}

describe(`postal-mime decoder patch (postal-mime ${PATCHED_POSTAL_MIME})`, () => {
	it('is applied: a postal-mime it was not written for fails here, not silently in production', () => {
		expect(postalMimeDecoderPatch).toEqual({ applied: true });
	});

	const sameOutputOver = async (files: string[]) => {
		for (const file of files) {
			const source = readFileSync(file);
			for (const options of [undefined, { forceRfc822Attachments: true }]) {
				expect({ file, ...(await parsed(patched, source, options)) }).toEqual({
					file,
					...(await parsed(stock, source, options)),
				});
			}
		}
	};

	it('gives the same output as the stock decoders over every fixture mail', async () => {
		const files = fixtureMails();
		expect(files.length).toBeGreaterThan(15);
		await sameOutputOver(files);
	});

	mailCorpus.it('gives the same output as the stock decoders over the whole corpus', async () => {
		const files = mailCorpus.files();
		expect(files.length).toBeGreaterThan(50);
		await sameOutputOver(files);
	});

	it.each(edgeMails())('gives the same output as the stock decoders: %s', async (_name, source) => {
		const mine = await parsed(patched, source);
		expect(mine).toEqual(await parsed(stock, source));
		expect(mine).not.toHaveProperty('error');
	});

	it('compares against the stock decoders, not the patched ones twice', () => {
		expect(finalizeOf(patched)).not.toContain('new Blob');
		expect(finalizeOf(stock)).toContain('new Blob');
	});
});
