/**
 * The links and pages of Send Email and Wait's Approval and Free Text answers, as HTML: what a
 * person's browser and a mail client get (the host test drives them through a real n8n).
 */
import { approvalPage, freeTextPage, recordedPage, withResponseLinks } from '../../nodes/Email/actions/responsePages';

const link = 'http://n8n.example.test/webhook-waiting/17/ask?approved=true&n=1&signature=ab"><script>';

describe('links in the mail', () => {
	it('HTML: one button per link, labels and URLs escaped', () => {
		const html = withResponseLinks('<p>Block it?</p>', 'html', [{ label: 'Block <it>', url: link }], 'Opening a link records nothing.');
		expect(html).toContain('<p>Block it?</p>');
		expect(html).toContain('href="http://n8n.example.test/webhook-waiting/17/ask?approved=true&amp;n=1&amp;signature=ab&quot;&gt;&lt;script&gt;"');
		expect(html).toContain('>Block &lt;it&gt;</a>');
		expect(html).not.toContain('<script>');
	});

	it('text: "Label: URL" lines', () => {
		expect(withResponseLinks('Block it?', 'text', [{ label: 'Approve', url: 'http://a/1' }, { label: 'Reject', url: 'http://a/2' }], 'Note.')).toBe('Block it?\n\nApprove: http://a/1\nReject: http://a/2\n\nNote.\n');
	});
});

describe('pages', () => {
	it('work without JavaScript: a plain form that posts to the opened URL', () => {
		for (const page of [approvalPage('Block 203.0.113.7?', { label: 'Approve' }), freeTextPage('Why?')]) {
			expect(page).toMatch(/<form method="post">/);
			expect(page).not.toMatch(/<script|action=|src=|https?:\/\//i);
		}
		expect(freeTextPage('Why?')).toContain('<textarea id="text" name="text" required></textarea>');
	});

	it('escape the question, the label and the answer', () => {
		expect(approvalPage('<b>x</b>', { label: '<img>' })).not.toMatch(/<b>x|<img>/);
		expect(freeTextPage('Why?', '<i>empty</i>')).toContain('&lt;i&gt;empty&lt;/i&gt;');
		expect(recordedPage('<script>alert(1)</script>')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
	});
});
