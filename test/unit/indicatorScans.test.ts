import fs from 'node:fs';
import { isIP } from 'node:net';

import { findDomains, findIps, refang } from '../../nodes/mail/analysis/indicators';
import { findUrls, parseMail } from '../../nodes/mail/message';
import { fixtureMails } from '../helpers/corpus';

/*
 * findIps and findDomains look only around colons and dots instead of running a pattern over every
 * position of a text. These tests hold them to what the whole-text forms found, written out below as
 * the reference, over the repository's mails, edge cases and a seeded fuzz.
 */

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)/g;
const IPV6 = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![0-9A-Fa-f:])/g;

function referenceIps(text: string): string[] {
	const found = new Set<string>();
	for (const pattern of [IPV4, IPV6]) {
		for (const match of text.matchAll(pattern)) {
			const candidate = match[0];
			if (isIP(candidate) !== 0 && candidate !== '::' && !/^0+(?:\.0+){3}$/.test(candidate))
				found.add(candidate.toLowerCase());
		}
	}
	return [...found];
}

/** The tokens the split form judged: runs of host characters holding a dot, in order. */
function referenceDomainTokens(text: string): string[] {
	return text.split(/[^A-Za-z0-9.\-[\](){}]+/).filter((token) => token.includes('.'));
}

const EDGE_CASES = [
	'v6 2001:db8::1 and fe80::1%eth0, time 12:30:45, 0.0.0.0',
	'mapped ::ffff:192.0.2.1. at the end of a sentence',
	'::ffff:192.0.2.1.5 and 1:2:3:4:5:6:7:8.example and 1:2:3:4:5:6:7:8:9',
	'[2001:db8::42]:443 http://[2001:db8::7]/x a::b::c ::: :: 1::',
	'mac 00:1b:44:11:3a:b7, dead:beef:: cafe::babe:1.2.3.4',
	'https://evil.test:8443/a and mailto:x@y.test, ratio 3:2:1',
	'Block evil[.]com, bad(.)Example[.]NET and (c2[.]evil-corp[.]biz). Also www.bad-site.org.',
	'Thanks.Best regards, see invoice.zip, e.g. node.js 1.2.3.4, ASP.NET, readme.md ... .. . a.b',
	'1.2.3.4.5 and 1.2.3.4567 and 10.0.0.1, 192.168.1.1) (203.0.113.9]',
];

/** Deterministic pseudo-random text over the characters these scanners care about. */
function fuzz(seed: number, length: number): string {
	const alphabet = '0123456789abcdefABCDEFxyz::..[]() -\n';
	let state = seed;
	let text = '';
	for (let index = 0; index < length; index++) {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		text += alphabet[state % alphabet.length];
	}
	return text;
}

async function fixtureTexts(): Promise<string[]> {
	const texts: string[] = [];
	for (const file of fixtureMails()) {
		const { email } = await parseMail(fs.readFileSync(file));
		texts.push(refang(`${email?.text ?? ''}\n${email?.html ?? ''}`));
	}
	return texts;
}

describe('IP and host scans that look only around colons and dots', () => {
	let texts: string[];
	beforeAll(async () => {
		texts = [
			...EDGE_CASES,
			...(await fixtureTexts()),
			...Array.from({ length: 300 }, (_, seed) => fuzz(seed + 1, 400)),
		];
	});

	it('find the same addresses as the whole-text patterns, in the same order', () => {
		expect(texts.length).toBeGreaterThan(300);
		for (const text of texts) expect([text, findIps(text)]).toEqual([text, referenceIps(text)]);
		expect(findIps(EDGE_CASES[1])).toEqual(['192.0.2.1', '::ffff:192.0.2.1']);
		expect(findIps(EDGE_CASES[3])).toEqual(['2001:db8::42', '2001:db8::7', '1::']);
	});

	it('judge the same tokens as the whole-text split', () => {
		for (const text of texts) {
			const fromTokens = findDomains(referenceDomainTokens(text).join(' '));
			expect([text, findDomains(text)]).toEqual([text, fromTokens]);
		}
		expect(findDomains(EDGE_CASES[6])).toEqual(['evil.com', 'bad.example.net', 'c2.evil-corp.biz', 'www.bad-site.org']);
	});
});

describe('links of a text scanned once for the item and its analysis', () => {
	it('gives the same links again, as a list of its own', () => {
		const text = 'see https://a.test/1 and https://b.test/2, again https://a.test/1';
		const first = findUrls(text, '<a href="https://c.test/">x</a>');
		first.push('changed by the caller');
		expect(findUrls(text, '<a href="https://c.test/">x</a>')).toEqual([
			'https://a.test/1',
			'https://b.test/2',
			'https://c.test/',
		]);
		expect(findUrls('other https://d.test/', text)).toEqual([
			'https://d.test/',
			'https://a.test/1',
			'https://b.test/2',
		]);
	});
});
