import {
	braceAnswer,
	compileExclusion,
	extractAnswer,
	parseReply,
	ReplyMatcher,
} from '../../nodes/mail/waitForReply/replyFields';

const quoted = [
	'On Mon, 3 Mar 2025 at 10:00, SOC Bot <soc@example.test> wrote:',
	'> Block the sender 203.0.113.7?',
	'> Reply {{approve}} or {{deny}}.',
	'',
].join('\n');
const signature = '-- \nAnn Analyst\nSOC team, ext. 4711\n';

describe('answer extraction', () => {
	it('takes the first line of a top-posted reply, without history or signature', () => {
		const { answer, replyText } = extractAnswer(`Yes, block it.\nThe rest can wait.\n\n${signature}\n${quoted}`);
		expect(answer).toBe('Yes, block it.');
		expect(replyText).toContain('The rest can wait.');
		expect(replyText).not.toContain('203.0.113.7');
	});

	it('skips blank lines before the answer', () => {
		expect(extractAnswer(`\n\n   \nNo.\n\n${quoted}`).answer).toBe('No.');
	});

	it('takes {{…}} from the reply, never from the quoted question', () => {
		expect(extractAnswer(`I checked it: {{ deny }} for now\n\n${quoted}`).answer).toBe('deny');
		// The quote holds {{approve}}; the reply itself has no braces.
		expect(extractAnswer(`Let me think about it\n\n${quoted}`).answer).toBe('Let me think about it');
	});

	it('answers from an interleaved reply below the quote', () => {
		expect(extractAnswer(`${quoted}\nApproved by me\n`).answer).toBe('Approved by me');
	});

	it('handles CRLF line ends and an attribution wrapped over two lines', () => {
		const text =
			'OK go ahead\r\n\r\nOn Mon, 3 Mar 2025 at 10:00, SOC Bot\r\n<soc@example.test> wrote:\r\n> question\r\n';
		expect(extractAnswer(text)).toEqual({ answer: 'OK go ahead', replyText: 'OK go ahead' });
	});

	it('returns an empty answer for an empty reply', () => {
		expect(extractAnswer(`\n${quoted}`).answer).toBe('');
	});

	it('braceAnswer finds only the first pair', () => {
		expect(braceAnswer('x {{a}} y {{b}}')).toBe('a');
		expect(braceAnswer('no braces')).toBeUndefined();
	});
});

describe('exclusions', () => {
	it('match anywhere in the text, not anchored', () => {
		expect(compileExclusion('out of office', 'x')!.test('Re: I am out of office until Monday')).toBe(true);
		expect(compileExclusion('(?i)AUTOMATIC reply', 'x')!.test('Automatic Reply: question')).toBe(true);
		expect(compileExclusion('', 'x')).toBeUndefined();
	});

	it('refuse an invalid or non-linear pattern with a clear error', () => {
		expect(() => compileExclusion('(a', 'Exclusion Subject Regex')).toThrow(
			/Exclusion Subject Regex is not a valid regular expression/,
		);
		expect(() => compileExclusion('(a)\\1', 'Exclusion Body Regex')).toThrow(/Exclusion Body Regex is not a valid/);
	});

	it('run in linear time on hostile input', () => {
		const started = Date.now();
		expect(compileExclusion('(a+)+$', 'x')!.test(`${'a'.repeat(50_000)}!`)).toBe(false);
		expect(Date.now() - started).toBeLessThan(2000);
	});
});

describe('reply parsing and matching', () => {
	const question = '<question-1@soc.example.test>';
	const reply = (headers: Record<string, string>, body: string) =>
		Buffer.from(
			`${Object.entries({
				'Message-ID': '<r1@example.test>',
				Date: 'Mon, 03 Mar 2025 10:05:00 +0100',
				Subject: 'Re: Block?',
				From: 'Ann Analyst <Ann@Example.test>',
				To: 'SOC <soc@example.test>',
				...headers,
			})
				.map(([name, value]) => `${name}: ${value}`)
				.join('\r\n')}\r\n\r\n${body}`,
		);

	it("maps a reply to the seed's fields", async () => {
		const { fields } = await parseReply({
			source: reply(
				{ 'In-Reply-To': question, References: question, 'Content-Type': 'text/plain; charset=utf-8' },
				'Yes\r\n\r\n> q\r\n',
			),
			uid: 7,
			folder: 'INBOX',
			internalDate: new Date('2025-03-03T09:05:01Z'),
		});
		expect(fields).toMatchObject({
			answer: 'Yes',
			sender: 'Ann@Example.test',
			to: 'soc@example.test',
			receivers: ['soc@example.test'],
			names: { 'Ann@Example.test': 'Ann Analyst', 'soc@example.test': 'SOC' },
			message_id: '<r1@example.test>',
			in_reply_to: question,
			in_replay_to: question,
			date: '2025-03-03 09:05:00',
			timestamp: Date.UTC(2025, 2, 3, 9, 5) / 1000,
			received_date: '2025-03-03 09:05:01',
			content_type: 'text/plain',
			charset: 'utf-8',
			email_uid: 7,
			html_body: '',
		});
		expect(fields.raw).toContain('In-Reply-To: <question-1@soc.example.test>');
	});

	it('accepts threaded replies from a recipient, case-insensitively, and rejects the rest', async () => {
		const matcher = new ReplyMatcher({
			messageId: 'question-1@soc.example.test',
			recipients: [' ann@example.TEST '],
			exclusionSubjectRegex: '^Automatic',
		});
		const parse = async (headers: Record<string, string>) =>
			(await parseReply({ source: reply(headers, 'x'), uid: 1, folder: 'INBOX' })).fields;
		expect(matcher.accept(await parse({ 'In-Reply-To': question }))).toBe('ann@example.test');
		expect(matcher.accept(await parse({ References: `<older@x> ${question}` }))).toBe('ann@example.test');
		expect(matcher.accept(await parse({ 'In-Reply-To': '<other@x>' }))).toBeUndefined();
		expect(matcher.accept(await parse({ 'In-Reply-To': question, From: 'mallory@example.test' }))).toBeUndefined();
		expect(
			matcher.accept(await parse({ 'In-Reply-To': question, Subject: 'Automatic reply: Block?' })),
		).toBeUndefined();
	});
});
