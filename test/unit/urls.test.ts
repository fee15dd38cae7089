import { findUrls } from '../../nodes/mail/message';

/**
 * The links findUrls reports, pinned: linkify-it 5.0.2 found exactly these (and the same over the
 * whole corpus) before the move to 6.x, which cuts a link at a user part unless `urlAuth` is set.
 */
describe('findUrls: links written with a scheme, credentials and all', () => {
	const user = (length: number) => 'u'.repeat(length);
	it.each([
		[
			'a plain link in a sentence',
			'Please review https://portal.example.test/login?next=/home. Thanks',
			['https://portal.example.test/login?next=/home'],
		],
		[
			'credentials in the link',
			'Open http://admin:hunter2@10.0.0.5:8080/panel now',
			['http://admin:hunter2@10.0.0.5:8080/panel'],
		],
		// The phisher's trick: the host is evil.test, what a reader sees first is the bank's name.
		[
			'a user part that looks like a host',
			'Sign in at https://www.bank.test@evil.test/login today',
			['https://www.bank.test@evil.test/login'],
		],
		[
			'an @ in the path only',
			'See https://social.example.test/@analyst/123 and https://host.test/a?x=@b',
			['https://social.example.test/@analyst/123', 'https://host.test/a?x=@b'],
		],
		[
			'a user part of 49, 50 and 51 characters',
			[49, 50, 51].map((n) => `https://${user(n)}@host${n}.test/x`).join(' '),
			[`https://${user(49)}@host49.test/x`, `https://${user(50)}@host50.test/x`, `https://${user(51)}`],
		],
		[
			'an @ just past the reach',
			`https://host.test/${user(49)}@z and https://${user(52)}@far.test/`,
			[`https://host.test/${user(49)}@z`, `https://${user(52)}`],
		],
		[
			'an address right after a link',
			'https://a.test/x soc@example.test https://b.test/',
			['https://a.test/x', 'https://b.test/'],
		],
		[
			'trailing punctuation and brackets',
			'(https://a.test/path), [https://b.test/q?x=1]. <https://c.test/>',
			['https://a.test/path', 'https://b.test/q?x=1', 'https://c.test/'],
		],
		[
			'international names',
			'https://münchen.example/straße and https://пример.испытание/путь',
			['https://münchen.example/straße', 'https://пример.испытание/путь'],
		],
		[
			'ftp and a bare host',
			'ftp://files.example.test/pub and www.example.test and //no-scheme.test',
			['ftp://files.example.test/pub', '//no-scheme.test'],
		],
	])('%s', (_name, text, expected) => {
		expect(findUrls(text)).toEqual(expected);
	});

	it('lists each link once, in order, over text and HTML', () => {
		expect(
			findUrls('https://b.test/ and https://a.test/', '<a href="https://a.test/">https://a.test/</a> https://c.test/'),
		).toEqual(['https://b.test/', 'https://a.test/', 'https://c.test/']);
	});
});
