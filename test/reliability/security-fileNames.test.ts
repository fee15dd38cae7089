import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pathInside, safeFileName } from '../../nodes/mail';
import { runEmail } from '../helpers/emailNode';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { printTable, scratchFolders, seededRandom } from './seeded';

const SEED = Number(process.env.RELIABILITY_SEED || 20261130);

// Pieces of names an attacker would write: traversal, separators of every system, device names,
// control and invisible characters, look-alike slashes, very long runs.
const NAME_PIECES = [
	'..',
	'../',
	'..\\',
	'/',
	'\\',
	'\0',
	'.',
	' ',
	'con',
	'NUL',
	'aux.txt',
	'LPT1',
	'\u202e',
	'%2e%2e%2f',
	'a',
	'é',
	'~',
	':',
	'*',
	'?',
	'<',
	'>',
	'|',
	'\t',
	'\r\n',
	'$HOME',
	'${x}',
	'passwd',
	'/etc/',
	'C:\\Windows\\',
	'\\\\server\\share\\',
	'😀',
	'\u0085',
	'\ufeff',
	'.bashrc',
	'x'.repeat(150),
	'\u2215',
	'\uff0f',
	'.pdf',
	'.exe',
	'report',
	'\u0000.txt',
];

function fuzzedNames(count: number): string[] {
	const random = seededRandom(SEED);
	return Array.from({ length: count }, () =>
		Array.from({ length: random.int(1, 6) }, () => random.pick(NAME_PIECES)).join(''),
	);
}

/** RFC 2231: any bytes survive MIME, so the parser hands the name over exactly as the attacker wrote it. */
const rfc2231 = (name: string) =>
	`filename*=utf-8''${[...Buffer.from(name, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`;

function mailWithNames(names: string[], index: number): string {
	const parts = names.map(
		(name, i) =>
			`--f\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; ${rfc2231(name)}\r\n\r\nfile ${index}-${i}\r\n`,
	);
	return `From: attacker@example.test\r\nSubject: names ${index}\r\nMessage-ID: <names-${index}@reliability.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f"\r\n\r\n${parts.join('')}--f--\r\n`;
}

describe('security', () => {
	const scratch = scratchFolders();
	afterAll(() => scratch.removeAll());

	it('writes no file outside the download folder for 1,000 fuzzed attachment names (and never through a planted symlink)', async () => {
		const names = fuzzedNames(1000);
		// The pure check first: every name becomes one plain file name inside the folder.
		const root = path.join(tmpdir(), 'mailbox-fuzz-root');
		for (const name of names) {
			const safe = safeFileName(name);
			expect(safe).not.toMatch(/[/\\\0]/);
			if (safe) expect(path.dirname(pathInside(root, safe))).toBe(root);
		}

		const address = newMailbox('fuzz');
		const batches = Array.from({ length: 10 }, (_, i) => names.slice(i * 100, i * 100 + 100));
		const uids = await appendMessages(
			address,
			batches.map((batch, i) => mailWithNames(batch, i)),
		);
		const parent = scratch.make('mailbox-fuzz-');
		const directory = path.join(parent, 'downloads');
		const outside = path.join(parent, 'outside');
		mkdirSync(directory);
		mkdirSync(outside);
		// A planted symlink under a name an attachment will ask for, pointing outside.
		const planted = safeFileName(names.find((name) => safeFileName(name))!);
		symlinkSync(path.join(outside, 'stolen'), path.join(directory, planted));

		const [item] = await runEmail(
			{
				operation: 'downloadAttachments',
				folder: 'INBOX',
				downloadPath: directory,
				messageId: '',
				subjectFilter: '',
				emailUid: uids.join(','),
				onlyUnread: false,
				options: { binaryOutput: false },
			},
			credentialsFor(address),
		);
		const saved = item.json.attachments as Array<{ path: string }>;
		const inside = saved.filter((file) => path.dirname(file.path) === directory).length;
		printTable('Fuzzed attachment names (Download Attachments)', [
			{
				names: names.length,
				distinctNames: new Set(names).size,
				filesWritten: saved.length,
				insideFolder: inside,
				escaped: saved.length - inside,
				filesOutside: readdirSync(outside).length + readdirSync(parent).length - 2,
			},
		]);
		expect(saved).toHaveLength(1000);
		expect(inside).toBe(1000);
		expect(readdirSync(directory)).toHaveLength(1001);
		expect(readdirSync(parent).sort()).toEqual(['downloads', 'outside']);
		expect(readdirSync(outside)).toEqual([]);
		expect(existsSync(path.join(outside, 'stolen'))).toBe(false);
	}, 90_000);
});
