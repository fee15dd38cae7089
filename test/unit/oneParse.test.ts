import PostalMime from 'postal-mime';

import { analyzeEmail } from '../../nodes/mail/analysis';
import { parseMail, parseMessage } from '../../nodes/mail/message';
import { parseReply } from '../../nodes/mail/waitForReply/replyFields';
import { crlf, PHISH, report } from '../fixtures/phish';

/** One parse per mail: the item and the analysis of the trigger read the same parse. */
describe('one parse per mail', () => {
	const origin = { uid: 1, uidValidity: '1', folder: 'INBOX', flags: [] };
	let parses: jest.SpyInstance;
	beforeEach(() => {
		parses = jest.spyOn(PostalMime, 'parse');
	});
	afterEach(() => parses.mockRestore());

	it('the item and Analyze Email of a mail take one postal-mime parse between them', async () => {
		const mail = await parseMail(Buffer.from(PHISH));
		const { fields } = await parseMessage(mail, origin);
		const { analysis } = await analyzeEmail(mail, { trustedAuthservIds: ['mx.corp.test'] });
		expect(parses).toHaveBeenCalledTimes(1);
		expect(fields.message_id).toBe('<phish-1@paypa1.test>');
		expect(analysis.reporter).toMatchObject({
			message_id: '<phish-1@paypa1.test>',
			authentication: { dmarc: 'fail', source: 'header' },
		});
		expect(analysis.reporter.subject).toBe(fields.subject);
	});

	it('an attached mail is parsed once more, as the mail it is, and no other', async () => {
		const { analysis } = await analyzeEmail(await parseMail(report(PHISH)));
		expect(analysis.original).toMatchObject({ subject: 'Urgent: verify your account' });
		expect(parses).toHaveBeenCalledTimes(2);
	});

	it('reply detection parses a reply once, with the same parser', async () => {
		const { fields } = await parseReply({
			source: Buffer.from(
				crlf(['From: a@corp.test', 'To: b@corp.test', 'In-Reply-To: <q@corp.test>', 'Subject: Re: q', '', 'yes', '']),
			),
			uid: 1,
			folder: 'INBOX',
		});
		expect(fields).toMatchObject({ in_reply_to: '<q@corp.test>', answer: 'yes', sender: 'a@corp.test' });
		expect(parses).toHaveBeenCalledTimes(1);
	});

	it('an attached mail is an attachment of the item, also without Content-Disposition, never merged into the body', async () => {
		const source = Buffer.from(
			crlf([
				'From: r@corp.test',
				'Subject: Fwd: hi',
				'MIME-Version: 1.0',
				'Content-Type: multipart/mixed; boundary="b"',
				'',
				'--b',
				'Content-Type: text/plain',
				'',
				'see below',
				'--b',
				'Content-Type: message/rfc822',
				'',
				'From: x@evil.test',
				'Subject: hi',
				'',
				'inner text',
				'--b--',
				'',
			]),
		);
		const { fields, attachments } = await parseMessage(source, origin);
		expect(fields.body).toBe('see below');
		expect(fields.attachments).toMatchObject([{ filename: 'attachment-1.eml', contentType: 'message/rfc822' }]);
		expect(attachments[0].content.toString()).toBe(crlf(['From: x@evil.test', 'Subject: hi', '', 'inner text']));
	});
});
