import { readFileSync } from 'node:fs';

import LinkifyIt from 'linkify-it';
import PostalMime from 'postal-mime';

import { findUrls } from '../../nodes/mail/message';
import { fixtureMails, mailCorpus } from '../helpers/corpus';

/** What linkify-it itself finds with the same settings: findUrls only makes the check cheaper. */
const stock = new LinkifyIt().set({ fuzzyLink: false, fuzzyEmail: false });
const stockUrls = (...texts: string[]) => [...new Set(texts.flatMap((text) => (stock.match(text) ?? []).map((match) => match.url)))];

describe('findUrls: the links linkify-it finds (its http check run once, not twice)', () => {
	const user = (length: number) => 'u'.repeat(length);
	it.each([
		['a plain link in a sentence', 'Please review https://portal.example.test/login?next=/home. Thanks'],
		['credentials in the link', 'Open http://admin:hunter2@10.0.0.5:8080/panel now'],
		['an @ in the path only', 'See https://social.example.test/@analyst/123 and https://host.test/a?x=@b'],
		['a user part of 49, 50 and 51 characters', [49, 50, 51].map((n) => `https://${user(n)}@host${n}.test/x`).join(' ')],
		['an @ just past the reach', `https://host.test/${user(49)}@z and https://${user(52)}@far.test/`],
		['an address right after a link', 'https://a.test/x soc@example.test https://b.test/'],
		['trailing punctuation and brackets', '(https://a.test/path), [https://b.test/q?x=1]. <https://c.test/>'],
		['international names', 'https://münchen.example/straße and https://пример.испытание/путь'],
		['ftp and a bare host', 'ftp://files.example.test/pub and www.example.test and //no-scheme.test'],
	])('%s', (_name, text) => {
		expect(findUrls(text)).toEqual(stockUrls(text));
	});

	/** Compares over the text and HTML of each mail; the number of links the comparison covered. */
	async function compareOver(files: string[]): Promise<number> {
		let links = 0;
		for (const file of files) {
			const email = await PostalMime.parse(readFileSync(file)).catch(() => undefined);
			const texts = [email?.text ?? '', email?.html ?? ''];
			const expected = stockUrls(...texts);
			links += expected.length;
			expect({ file, urls: findUrls(...texts) }).toEqual({ file, urls: expected });
		}
		return links;
	}

	// Each set must hold enough links for the comparison to mean something.
	it('over the text and HTML of every fixture mail', async () => {
		expect(await compareOver(fixtureMails())).toBeGreaterThan(60);
	});

	mailCorpus.it('over the text and HTML of every corpus mail', async () => {
		expect(await compareOver(mailCorpus.files())).toBeGreaterThan(100);
	});
});
