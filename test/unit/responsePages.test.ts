/**
 * The links and pages of Send Email and Wait's Approval and Free Text answers, as HTML: what a
 * person's browser and a mail client get (the host test drives them through a real n8n).
 */
import { convert as htmlToText } from 'html-to-text';

import {
	alreadyAnsweredPage,
	approvalPage,
	freeTextPage,
	recordedPage,
	withResponseLinks,
} from '../../nodes/Email/actions/responsePages';

const link = 'http://n8n.example.test/webhook-waiting/17/ask?approved=true&n=1&signature=ab"><script>';
const question = {
	subject: 'Block 203.0.113.7? INC-083616',
	text: 'Sender 203.0.113.7 sent 40 phishing mails.\nBlock it?',
};

describe('links in the mail', () => {
	it('HTML: one button per link, labels and URLs escaped', () => {
		const html = withResponseLinks(
			'<p>Block it?</p>',
			'html',
			[{ label: 'Block <it>', url: link }],
			'Opening a link records nothing.',
		);
		expect(html).toContain('<p>Block it?</p>');
		expect(html).toContain(
			'href="http://n8n.example.test/webhook-waiting/17/ask?approved=true&amp;n=1&amp;signature=ab&quot;&gt;&lt;script&gt;"',
		);
		expect(html).toContain('>Block &lt;it&gt;</a>');
		expect(html).not.toContain('<script>');
	});

	it('HTML: the text part made from it has each link on a line of its own', () => {
		const html = withResponseLinks(
			'<p>Block it?</p>',
			'html',
			[
				{ label: 'Approve', url: 'http://a/1' },
				{ label: 'Reject', url: 'http://a/2' },
			],
			'Note.',
		);
		const lines = htmlToText(html, { wordwrap: false }).split('\n').filter(Boolean);
		expect(lines.filter((line) => line.includes('http://a/1'))).toEqual(['Approve [http://a/1]']);
		expect(lines.filter((line) => line.includes('http://a/2'))).toEqual(['Reject [http://a/2]']);
	});

	it('text: "Label: URL" lines', () => {
		expect(
			withResponseLinks(
				'Block it?',
				'text',
				[
					{ label: 'Approve', url: 'http://a/1' },
					{ label: 'Reject', url: 'http://a/2' },
				],
				'Note.',
			),
		).toBe('Block it?\n\nApprove: http://a/1\nReject: http://a/2\n\nNote.\n');
	});
});

describe('pages', () => {
	it('work without JavaScript: a plain form that posts to the opened URL', () => {
		for (const page of [approvalPage(question, { label: 'Approve' }), freeTextPage(question)]) {
			expect(page).toMatch(/<form method="post">/);
			expect(page).not.toMatch(/<script|action=|src=|https?:\/\//i);
		}
		expect(freeTextPage(question)).toContain('<textarea id="text" name="text" required></textarea>');
	});

	it('show the question as it was sent: its subject and text', () => {
		const page = approvalPage(question, { label: 'Approve' });
		expect(page).toContain('<h1>Block 203.0.113.7? INC-083616</h1>');
		expect(page).toContain('Sender 203.0.113.7 sent 40 phishing mails.\nBlock it?');
		expect(alreadyAnsweredPage(question, 'Approve')).toMatch(
			/INC-083616[\s\S]*already answered: <strong>Approve<\/strong>/,
		);
	});

	it('escape the question, the label and the answer', () => {
		expect(approvalPage({ subject: '<b>x</b>', text: '<i>y</i>' }, { label: '<img>' })).not.toMatch(/<b>x|<i>y|<img>/);
		expect(freeTextPage(question, '<i>empty</i>')).toContain('&lt;i&gt;empty&lt;/i&gt;');
		expect(recordedPage('<script>alert(1)</script>')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
	});
});
