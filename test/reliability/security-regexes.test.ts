import { ReplyMatcher, type ReplyFields } from '../../nodes/mail';
import { triggerHarness } from '../helpers/pollContext';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { printTable } from './seeded';

describe('security', () => {
	it('bounds catastrophic regexes in trigger rules and send-and-wait exclusions', async () => {
		const address = newMailbox('redos');
		const evilBody = `${'a'.repeat(200_000)}!`;
		await appendMessages(address, [
			`From: a@example.test\r\nTo: b@example.test\r\nSubject: Fwd: ${'x'.repeat(50_000)}\r\nMessage-ID: <redos@x>\r\n\r\n${evilBody}\r\n`,
		]);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				extractionRules: {
					rules: [
						{ name: 'nested', regex: '(a+)+$' },
						{ name: 'alternation', regex: '(a|aa)+$' },
						{ name: 'overlap', regex: '(a*)*b' },
					],
				},
				environmentRegex: '(x+x+)+y',
				forwardedEmailRegexes: JSON.stringify({ subject: '(x+x+)+y', from: '(a|a)*b', to: '(.*a){20}' }),
			},
		});
		let started = Date.now();
		const [item] = await trigger.poll();
		const triggerMs = Date.now() - started;
		expect(item.json.message_id).toBe('<redos@x>');

		const matcher = new ReplyMatcher({
			messageId: '<q@x>',
			recipients: [],
			exclusionSubjectRegex: '(x+x+)+y',
			exclusionBodyRegex: '(a+)+$',
		});
		const reply = {
			in_reply_to: '<q@x>',
			references: '',
			sender: 'a@example.test',
			subject: 'x'.repeat(50_000),
			body: evilBody,
		} as unknown as ReplyFields;
		started = Date.now();
		// (a+)+$ matches a run of "a" at the end of a line-less text only: here "!" ends it, so no match.
		expect(matcher.accept(reply)).toBe('a@example.test');
		const exclusionMs = Date.now() - started;
		printTable('Catastrophic regexes on 200 KB of hostile text', [
			{ triggerPollMs: triggerMs, exclusionCheckMs: exclusionMs },
		]);
		expect(triggerMs).toBeLessThan(10_000);
		expect(exclusionMs).toBeLessThan(2_000);
	});
});
