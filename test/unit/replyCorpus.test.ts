/**
 * Replies as mail clients write them (test/fixtures/replies: Gmail, Outlook desktop, web and mobile,
 * Apple Mail and iPhone, Thunderbird, Samsung and Yahoo on Android; quote headers in English, German,
 * French, Spanish and Japanese; signatures and "Sent from my phone" footers): `answer` and
 * `reply_text` as Send Email and Wait outputs them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseReply } from '../../nodes/mail/waitForReply/replyFields';
import { splitReply } from '../../nodes/mail/waitForReply/splitReply';

interface CorpusCase {
	file: string;
	client: string;
	language: string;
	answer: string;
	reply_text: string;
}

const CORPUS = join(__dirname, '..', 'fixtures', 'replies');
const cases = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as CorpusCase[];

it('covers every client family and language the issue names', () => {
	const clients = new Set(cases.map((entry) => entry.client.split(' ')[0]));
	expect([...clients]).toEqual(
		expect.arrayContaining(['Gmail', 'Outlook', 'Apple', 'iPhone', 'Thunderbird', 'Samsung', 'Yahoo']),
	);
	expect(new Set(cases.map((entry) => entry.language))).toEqual(new Set(['en', 'de', 'fr', 'es', 'ja']));
});

describe.each(cases)('$client ($language): $file', (entry) => {
	it('gives the typed answer and the reply without its quoted history', async () => {
		const { fields } = await parseReply({ source: readFileSync(join(CORPUS, entry.file)), uid: 1, folder: 'INBOX' });
		expect({ answer: fields.answer, reply_text: fields.reply_text }).toEqual({
			answer: entry.answer,
			reply_text: entry.reply_text,
		});
		// The question's own {{approve}} / {{deny}} and its text never leak into the reply.
		expect(fields.reply_text).not.toContain('203.0.113.7 on the mail gateway');
		expect(fields.reply_text).not.toContain('soc@example.test');
	});
});

describe('closing words', () => {
	it('end the answer below it, but are the answer when they come first', () => {
		expect(splitReply('Approved\n\nThanks,\nBob').visible).toBe('Approved');
		expect(splitReply('Thanks!\n\nBob').visible).toBe('Thanks!\n\nBob');
		expect(splitReply('Thanks!\n--\nBob Smith, SOC').visible).toBe('Thanks!');
	});
});

describe('linear time on hostile replies', () => {
	// Each of these took email-reply-parser 1.9.4 from 0.2 to 5.5 s on 64 KB (its backtracking quote-header regexes).
	const hostile: Array<[string, string]> = [
		['a From: header of angle brackets', `From: ${'<'.repeat(1 << 20)}`],
		['one endless attribution line', `On ${'a '.repeat(1 << 19)}`],
		['attribution starts on every line', 'On Mon 3 Mar 2025\n'.repeat(1 << 16)],
		['header blocks without an end', 'From: x\nFrom: x\n'.repeat(1 << 16)],
		['bare attributions over blank lines', `x wrote:\n${'\n'.repeat(50)}`.repeat(1 << 14)],
		['quote markers and closings', '>\nThanks\n-\n'.repeat(1 << 17)],
	];

	// Measured 0.01-2.1 s per MB on a shared 2-core machine at load 8-18 (1-3 times a plain split and
	// trim of the text); a quadratic rule would take minutes here.
	it.each(hostile)('%s: 1 MB within the time budget', (_name, text) => {
		const started = process.hrtime.bigint();
		splitReply(text);
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		expect(ms).toBeLessThan(5000);
	});
});
