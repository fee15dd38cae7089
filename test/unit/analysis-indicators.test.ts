import {
	defangUrl,
	findDomains,
	findEmails,
	findIps,
	messageUrls,
	refang,
	urlIndicator,
} from '../../nodes/mail/analysis/indicators';

describe('indicators', () => {
	it('refangs hxxp, [.], (.), [at], [:]', () => {
		expect(refang('hxxps[:]//evil[.]test/a and bad(.)test, x[at]y[dot]test, HXXP://A[.]B')).toBe(
			'https://evil.test/a and bad.test, x@y.test, http://A.B',
		);
	});

	it('gives IDN hosts as punycode and Unicode, IPs as such, and marks a link whose text names another domain', () => {
		expect(urlIndicator('https://bücher.de/x')).toMatchObject({
			url: 'https://xn--bcher-kva.de/x',
			domain: 'xn--bcher-kva.de',
			domain_unicode: 'bücher.de',
			registrable_domain: 'xn--bcher-kva.de',
		});
		expect(urlIndicator('http://[2001:db8::1]/a', 'paypal.com')).toMatchObject({
			domain: '2001:db8::1',
			registrable_domain: null,
			mismatched: true,
		});
		expect(urlIndicator('https://www.paypal.com/x', 'PayPal.com')!.mismatched).toBe(false);
		expect(urlIndicator('https://evil.test/', 'Click here')!.mismatched).toBe(false);
		expect(urlIndicator('https://evil.test/', 'invoice.pdf')!.mismatched).toBe(false);
		expect(urlIndicator('javascript:alert(1)')).toBeUndefined();
	});

	it('finds links in HTML with their text, and written in text; mailto as addresses', () => {
		const { urls, mailto } = messageUrls(
			'see hxxp://text[.]test/a',
			'<a href="https://t.test/">https://paypal.com</a><a href="mailto:a@b.test?subject=x">m</a><script>var u="http://script.test/"</script>',
		);
		expect(urls.map((url) => [url.url, url.display_text, url.mismatched])).toEqual([
			['https://t.test/', 'https://paypal.com', true],
			['http://text.test/a', '', false],
		]);
		expect(mailto).toEqual(['a@b.test']);
	});

	it('finds addresses and IPs, and defangs', () => {
		expect(findEmails('mail x.y+z@Evil.TEST. or @nobody, a@b, "q"@c.test')).toEqual(['x.y+z@evil.test']);
		expect(findIps('1.2.3.4, 999.1.1.1, 10.0.0.256, v6 2001:db8::1 and fe80::1%eth0, time 12:30:45, 0.0.0.0')).toEqual([
			'1.2.3.4',
			'2001:db8::1',
			'fe80::1',
		]);
		expect(defangUrl('https://evil.test:8443/a.php')).toBe('hxxps://evil[.]test[:]8443/a.php');
		// An address that ends a sentence keeps its period out.
		expect(findIps('Blocked 203.0.113.5. Also 198.51.100[.]7.'.replace('[.]', '.'))).toEqual([
			'203.0.113.5',
			'198.51.100.7',
		]);
		expect(findIps('version 1.2.3.4.5 and 1.2.3.4567')).toEqual([]);
	});

	it('finds host names written as text: defanged always, plain ones only when they are clearly names', () => {
		expect(
			findDomains(
				'Block evil[.]com, bad(.)Example[.]NET and (c2[.]evil-corp[.]biz). Also www.bad-site.org and login.phish.test.',
			),
		).toEqual(['evil.com', 'bad.example.net', 'c2.evil-corp.biz', 'www.bad-site.org', 'login.phish.test']);
		// Prose, file names and versions are not names: a capital, a file extension, no known suffix.
		expect(
			findDomains('Thanks.Best regards, see invoice.zip and report.pdf, e.g. node.js 1.2.3.4, ASP.NET, readme.md'),
		).toEqual([]);
	});
});
