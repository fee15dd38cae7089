import {
	admitsMail,
	buildReply,
	compileMailFilters,
	forwardSubject,
	hasAttachments,
	replySubject,
	toSearchCriteria,
	type MailAccount,
	type MessageFields,
} from '../../nodes/mail';

const account = { emailAddress: 'SOC@Example.test', username: 'soc-login@example.test' } as MailAccount;

function original(overrides: Partial<MessageFields> = {}): MessageFields {
	return {
		subject: 'Alert',
		from: 'ann@example.test',
		from_name: 'Ann',
		to: ['soc@example.test'],
		cc: [],
		reply_to: [],
		date: '2026-12-01T10:00:00.000Z',
		email_time: 0,
		received_date: '',
		body: 'line 1\nline 2',
		html_body: '',
		message_id: '<m1@example.test>',
		in_reply_to: '',
		references: [],
		email_uid: 1,
		uid_validity: '1',
		folder: 'INBOX',
		flags: [],
		headers: {},
		attachments: [],
		urls: [],
		...overrides,
	};
}

describe('reply and forward subjects', () => {
	it.each([
		['Alert', 'Re: Alert'],
		['Re: Alert', 'Re: Alert'],
		['RE: re: Alert', 'Re: Alert'],
		['AW: Re[2]: Alert', 'Re: Alert'],
		['Fwd: Alert', 'Re: Fwd: Alert'],
		['', 'Re: '],
	])('%j -> %j', (subject, expected) => expect(replySubject(subject)).toBe(expected));

	it.each([
		['Alert', 'Fwd: Alert'],
		['FW: Fwd: Alert', 'Fwd: Alert'],
		['Re: Alert', 'Fwd: Re: Alert'],
	])('%j -> %j', (subject, expected) => expect(forwardSubject(subject)).toBe(expected));
});

describe('buildReply', () => {
	it('answers Reply-To, else From; reply-all drops the own addresses (any case) and repeats', () => {
		expect(buildReply(account, original({ reply_to: ['desk@example.test'] }), { content: 'x' }).recipients).toBe(
			'desk@example.test',
		);
		const all = buildReply(
			account,
			original({
				to: ['soc@example.test', 'bob@example.test', 'ANN@example.test'],
				cc: ['Soc-Login@example.test', 'carl@example.test', 'bob@example.test', 'not an address'],
			}),
			{ content: 'x', replyAll: true, cc: 'lead@example.test' },
		);
		expect(all.recipients).toBe('ann@example.test, bob@example.test');
		expect(all.cc).toBe('carl@example.test, lead@example.test');
	});

	it('threads: In-Reply-To the original, References its chain (or its In-Reply-To) plus it', () => {
		expect(buildReply(account, original({ references: ['<a@x>', '<b@x>'] }), { content: 'x' })).toMatchObject({
			inReplyTo: '<m1@example.test>',
			references: ['<a@x>', '<b@x>'],
		});
		expect(buildReply(account, original({ in_reply_to: '<b@x>' }), { content: 'x' })).toMatchObject({
			references: ['<b@x>'],
		});
		expect(buildReply(account, original({ message_id: '' }), { content: 'x' })).toMatchObject({
			inReplyTo: undefined,
			references: [],
		});
	});

	it('quotes the text (escaped in HTML), or not at all; refuses a mail with nobody to answer', () => {
		expect(buildReply(account, original(), { content: 'ok', contentType: 'text' }).content).toBe(
			'ok\n\nOn Tue, 01 Dec 2026 10:00:00 GMT, Ann <ann@example.test> wrote:\n> line 1\n> line 2',
		);
		expect(buildReply(account, original({ body: '<script>x</script>' }), { content: '<p>ok</p>' }).content).toContain(
			'<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">&lt;script&gt;x&lt;/script&gt;</blockquote>',
		);
		expect(buildReply(account, original(), { content: 'ok', quoteOriginal: false }).content).toBe('ok');
		// The mailbox's own mail (e.g. in Sent): the answer goes to its recipients.
		expect(
			buildReply(account, original({ from: 'soc@example.test', to: ['bob@example.test'] }), { content: 'x' })
				.recipients,
		).toBe('bob@example.test');
		// ...and one it sent to itself goes back to it, as From says.
		expect(
			buildReply(account, original({ from: 'soc@example.test', to: ['SOC@example.test'] }), { content: 'x' })
				.recipients,
		).toBe('soc@example.test');
		expect(() => buildReply(account, original({ from: '' }), { content: 'x' })).toThrow(/no valid From or Reply-To/);
	});
});

describe('trigger filters', () => {
	const mail = (from: string, subject = 's', body = 'b') => ({ from, subject, body });
	it('permits listed addresses and exact @domains, any case', () => {
		const filters = compileMailFilters({ permittedSenders: 'Boss@Corp.test, @partner.test' });
		expect(
			[mail('boss@corp.test'), mail('x@corp.test'), mail('a@PARTNER.test'), mail('a@sub.partner.test'), mail('')].map(
				(entry) => admitsMail(filters, entry),
			),
		).toEqual([true, false, true, false, false]);
		expect(admitsMail(compileMailFilters({}), mail(''))).toBe(true);
	});

	it('excludes by subject or body anywhere, in linear time on hostile input', () => {
		const filters = compileMailFilters({ excludeSubjectRegex: '(?i)out of office', excludeBodyRegex: '(a+)+$' });
		expect(admitsMail(filters, mail('a@x.test', 'Re: OUT OF OFFICE until Monday'))).toBe(false);
		const started = Date.now();
		expect(admitsMail(filters, mail('a@x.test', 's', `${'a'.repeat(50_000)}!`))).toBe(true);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(() => compileMailFilters({ headersToExtract: 'X-Ok, Bad:Name' })).toThrow(/Headers To Extract: "Bad:Name"/);
		expect(compileMailFilters({ headersToExtract: 'X-Mailer, x-mailer, Received' }).headers).toEqual([
			'X-Mailer',
			'Received',
		]);
	});
});

describe('search criteria', () => {
	it('passes the filters to imapflow, which quotes them; refuses line breaks and impossible dates', () => {
		expect(toSearchCriteria({ folder: 'INBOX' })).toEqual({ all: true });
		expect(
			toSearchCriteria({
				folder: 'INBOX',
				from: ' a@x ',
				subject: 'Grüße "x"',
				text: 'body',
				messageId: 'id@x',
				unreadOnly: true,
				since: '2026-12-01T00:00:00Z',
			}),
		).toEqual({
			from: 'a@x',
			subject: 'Grüße "x"',
			body: 'body',
			header: { 'message-id': 'id@x' },
			seen: false,
			since: new Date('2026-12-01T00:00:00Z'),
		});
		expect(() => toSearchCriteria({ folder: 'INBOX', text: 'a\r\nb' })).toThrow(/Text filter contains a line break/);
		expect(() => toSearchCriteria({ folder: 'INBOX', since: 'yesterday' })).toThrow(
			/Since filter "yesterday" is not a date/,
		);
		expect(() => toSearchCriteria({ folder: 'INBOX', since: '2026-12-02', before: '2026-12-01' })).toThrow(
			/Since is not earlier than Before/,
		);
	});

	it('counts attachments as mail clients show them', () => {
		expect(
			hasAttachments({
				type: 'multipart/mixed',
				childNodes: [{ type: 'text/plain' }, { type: 'application/pdf', parameters: { name: 'a.pdf' } }],
			}),
		).toBe(true);
		expect(
			hasAttachments({
				type: 'multipart/related',
				childNodes: [
					{ type: 'text/html' },
					{ type: 'image/png', disposition: 'inline', dispositionParameters: { filename: 'logo.png' } },
				],
			}),
		).toBe(false);
		expect(
			hasAttachments({ type: 'multipart/mixed', childNodes: [{ type: 'text/plain' }, { type: 'message/rfc822' }] }),
		).toBe(true);
		expect(hasAttachments({ type: 'text/plain' })).toBe(false);
	});
});
