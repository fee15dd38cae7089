import { runEmail } from '../helpers/emailNode';
import { binaryItem } from '../helpers/nodeContext';
import { credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';

describe('security', () => {
	describe('header injection through every user-supplied header field is refused before sending', () => {
		const injection = 'x@example.test\r\nBcc: victim@example.test';
		// The SMTP port points at nothing: were anything sent, the error would be a connection error.
		const offline = (user: string) => credentialsFor(user, { smtpPort: 1 });
		const base = { recipients: 'to@example.test', cc: '', bcc: '', subject: 'hello', content: 'body', options: {} };
		it.each([
			['recipients', { recipients: injection }],
			['cc', { cc: injection }],
			['bcc', { bcc: injection }],
			['subject', { subject: 'hi\r\nBcc: victim@example.test' }],
			['subject with a lone CR', { subject: 'hi\rBcc: victim@example.test' }],
			['subject with NUL', { subject: 'hi\0Bcc: victim@example.test' }],
			['replyTo', { options: { replyTo: injection } }],
			['inReplyTo', { options: { inReplyTo: '<a@b>\r\nBcc: victim@example.test' } }],
			['fromName', { options: { fromName: 'Bot\r\nBcc: victim@example.test' } }],
			['header name', { options: { headers: { header: [{ name: 'X-A\r\nBcc', value: 'victim@example.test' }] } } }],
			['header name with a colon', { options: { headers: { header: [{ name: 'X-A: 1\r\nBcc', value: 'x' }] } } }],
			['header value', { options: { headers: { header: [{ name: 'X-A', value: 'a\r\nBcc: victim@example.test' }] } } }],
			['a reserved header', { options: { headers: { header: [{ name: 'bcc', value: 'victim@example.test' }] } } }],
		])('%s (send and sendAndWait)', async (_field, override) => {
			const user = newMailbox('inject');
			for (const operation of ['send', 'sendAndWait']) {
				const error = await runEmail(
					{ operation, exclusionSubjectRegex: '', exclusionBodyRegex: '', ...base, ...override },
					offline(user),
				).then(
					() => undefined,
					(e: Error) => e,
				);
				expect(error?.message).toMatch(/line break|invalid|not valid|set by the node itself/);
			}
		});

		it('an attachment file name with CR/LF does not add headers to the delivered mail', async () => {
			const [sender, victim] = [newMailbox('inject'), newMailbox('victim')];
			const to = newMailbox('to');
			const items = [
				binaryItem(
					'file',
					Buffer.from('data'),
					`a.txt"\r\nBcc: ${victim}\r\nX-Injected: yes\r\n\r\n.txt`,
					'text/plain',
				),
			];
			await runEmail(
				{ operation: 'send', ...base, recipients: to, options: { contentType: 'text', attachments: 'file' } },
				credentialsFor(sender),
				items,
			);
			const [delivered] = await waitForMessages(to, 1);
			const headerBlock = delivered.source.toString('latin1').split('\r\n\r\n')[0];
			expect(headerBlock).not.toMatch(/^(bcc|x-injected):/im);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			expect(await waitForMessages(victim, 0)).toEqual([]);
		});
	});
});
