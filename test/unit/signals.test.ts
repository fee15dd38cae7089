import * as CFB from 'cfb';

import { analyzeEmail, type EmailAnalysis } from '../../nodes/mail';
import { urlIndicator } from '../../nodes/mail/analysis/indicators';
import { lookalikeOf, protectedDomainList } from '../../nodes/mail/analysis/lookalike';
import { unwrapRewrite } from '../../nodes/mail/analysis/rewrites';
import { composeMail, markEncrypted, qrGif, qrJpeg, qrPng, reportOf, zipOf } from '../helpers/signalMail';

const unwrapped = (url: string) => unwrapRewrite(urlIndicator(url)!);
const ids = (analysis: EmailAnalysis, index = 0) => analysis.originals[index].signals.map((entry) => entry.id);
const evidenceOf = (analysis: EmailAnalysis, id: string) =>
	analysis.originals
		.flatMap((original) => original.signals)
		.filter((entry) => entry.id === id)
		.flatMap((entry) => entry.evidence);

describe('gateway rewrites: the link the sender wrote', () => {
	it.each([
		[
			'Microsoft Safe Links',
			'https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Flogin%3Fa%3D1&data=05%7C01&sdata=x&reserved=0',
			'https://evil.example/login?a=1',
		],
		[
			'Proofpoint URL Defense v2',
			'https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_path-3Fq-3D1&d=DwMFaQ&c=abc&r=def&m=ghi&s=jkl&e=',
			'https://evil.example/path?q=1',
		],
		[
			'Proofpoint URL Defense v3',
			'https://urldefense.com/v3/__https://google.com:443/search?q=a*test&gs=ps__;Kw!-612Flbf0JvQ3kNJkRi5Jg!Ue6tQudNKaShHg$',
			'https://google.com/search?q=a+test&gs=ps',
		],
		[
			'Proofpoint URL Defense v3',
			'https://urldefense.com/v3/__https://evil.example/a**Bb__;JSUl!!x$',
			'https://evil.example/a%%%b',
		],
		[
			'Google redirect',
			'https://www.google.com/url?q=https://evil.example/x&sa=D&source=editors',
			'https://evil.example/x',
		],
		[
			'Barracuda Link Protection',
			'https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fevil.example%2fpay&c=E,1,abc&typo=1',
			'https://evil.example/pay',
		],
		[
			'Cisco Secure Email',
			'https://secure-web.cisco.com/1AbCdEf-GhIj/https%3A%2F%2Fevil.example%2Finvoice',
			'https://evil.example/invoice',
		],
	])('%s', (gateway, wrapper, target) => {
		const link = unwrapped(wrapper);
		expect(link).toMatchObject({ url: target, unwrapped_from: wrapper, gateway });
	});

	it('unwraps a rewrite inside a rewrite, and names an opaque one (Mimecast) as such', () => {
		const inner = 'https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_x&d=a';
		const outer = `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent(inner)}&data=1`;
		expect(unwrapped(outer)).toMatchObject({
			url: 'https://evil.example/x',
			unwrapped_from: outer,
			gateway: 'Microsoft Safe Links > Proofpoint URL Defense v2',
		});
		expect(unwrapped('https://protect-eu.mimecast.com/s/AbCdEfGh?domain=evil.example')).toMatchObject({
			opaque_rewrite: 'Mimecast (opaque)',
		});
		expect(unwrapped('https://evil.example/?url=https://other.example/')).not.toHaveProperty('unwrapped_from');
	});
});

describe('lookalike domains', () => {
	const targets = protectedDomainList(['examplebank.com', 'corp.test']);
	it.each([
		['examp1ebank.com', /confusable/],
		['exarnplebank.com', /confusable/],
		['exampelbank.com', /2 character/],
		['examplebnk.com', /1 character/],
		['examplebank-secure-login.com', /with words added/],
		['login.examplebank.com.evil.net', /in its subdomains/],
		['examplebank.net', /another suffix/],
	])('%s imitates examplebank.com', (host, reason) => {
		const found = lookalikeOf(host, targets)!;
		expect(found.imitates).toBe('examplebank.com');
		expect(`${found.shown}: ${found.reason}`).toMatch(reason);
	});

	it('shows a Cyrillic spelling in both forms and says the scripts are mixed', () => {
		const host = new URL('https://ехamplebank.com').hostname;
		const found = lookalikeOf(host, targets)!;
		expect(found.shown).toBe(`${host} (ехamplebank.com)`);
		expect(found.reason).toMatch(/mixes scripts \(Cyrillic, Latin\)/);
	});

	it.each([
		'examplebank.com',
		'www.examplebank.com',
		'secure.login.examplebank.com',
		'corp.test',
		'mail.corp.test',
		'wikipedia.org',
		'bank.example',
		'ing.com',
	])('%s does not fire', (host) => expect(lookalikeOf(host, targets)).toBeUndefined());
});

describe('signals of a reported phish, built as mail', () => {
	const options = {
		ownDomains: ['corp.test'],
		protectedDomains: ['examplebank.com'],
		protectedNames: ['Example Bank', 'Jane Doe'],
		trustedAuthservIds: ['mx.corp.test'],
	};

	it('sender signals: authentication, display name, impersonation, lookalike, Reply-To', async () => {
		const phish = await composeMail({
			from: '"Example Bank support@examplebank.com" <alerts@examp1ebank.com>',
			replyTo: 'collect@evil-collect.test',
			to: 'victim@corp.test',
			subject: 'Verify your account',
			headers: {
				'Authentication-Results':
					'mx.corp.test; spf=fail smtp.mailfrom=examp1ebank.com; dkim=none; dmarc=fail header.from=examp1ebank.com',
			},
			html: '<p><a href="https://login.evil.test/p">https://www.examplebank.com/signin</a></p>',
		});
		const { analysis } = await analyzeEmail(await reportOf(phish), options);
		expect(ids(analysis).sort()).toEqual([
			'auth_fail',
			'display_name_address',
			'display_name_impersonation',
			'link_text_mismatch',
			'lookalike_domain',
			'reply_to_mismatch',
		]);
		expect(analysis.max_severity).toBe('high');
		expect(analysis.signal_ids).toEqual(expect.arrayContaining(ids(analysis)));
		expect(evidenceOf(analysis, 'lookalike_domain')).toEqual([
			'sender examp1ebank.com imitates examplebank.com: confusable characters: it looks like "examplebank"',
		]);
		expect(evidenceOf(analysis, 'display_name_impersonation')).toEqual([
			'Example Bank support@examplebank.com',
			'alerts@examp1ebank.com',
		]);
		expect(evidenceOf(analysis, 'link_text_mismatch')).toEqual([
			'https://www.examplebank.com/signin -> https://login.evil.test/p',
		]);
		expect(analysis.reporter.signals).toEqual([]);
	});

	it('a clean mail fires nothing: max_severity none', async () => {
		const clean = await composeMail({
			from: 'Jane Doe <jane@corp.test>',
			to: 'team@corp.test',
			subject: 'Lunch',
			html: '<p>See <a href="https://www.examplebank.com/rates">https://www.examplebank.com/rates</a></p>',
		});
		const { analysis } = await analyzeEmail(clean, options);
		expect(analysis.messages[0].signals).toEqual([]);
		expect(analysis).toMatchObject({ max_severity: 'none', signal_ids: [], originals: [] });
	});

	it('Safe Links: urls keep the wrapper, iocs hold the real target and never the gateway', async () => {
		const target = 'https://examplebank-secure-login.com/verify';
		const wrapper = `https://nam12.safelinks.protection.outlook.com/?url=${encodeURIComponent(target)}&data=05%7C02&reserved=0`;
		const phish = await composeMail({
			from: 'Service <service@notices.test>',
			to: 'victim@corp.test',
			subject: 'Action needed',
			text: `Sign in: ${wrapper}`,
			html: `<p><a href="${wrapper}">${target}</a></p>`,
		});
		const { analysis } = await analyzeEmail(await reportOf(phish), options);
		expect(analysis.original!.urls).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					url: target,
					unwrapped_from: wrapper,
					gateway: 'Microsoft Safe Links',
					mismatched: false,
				}),
			]),
		);
		expect(analysis.iocs.urls).toEqual([target]);
		expect(analysis.iocs.domains.filter((domain) => /outlook|safelinks/.test(domain))).toEqual([]);
		expect(ids(analysis).sort()).toEqual(['lookalike_domain', 'rewritten_link']);
		expect(analysis.max_severity).toBe('high');
	});
});

describe('QR codes in images', () => {
	it.each([
		['PNG', 'scan.png', 'image/png', qrPng],
		['JPEG', 'scan.jpg', 'image/jpeg', qrJpeg],
		['GIF', 'scan.gif', 'image/gif', qrGif],
	])(
		'decodes a %s attachment and an inline image; the URL joins urls[] and the iocs',
		async (_format, filename, contentType, encode) => {
			const phish = await composeMail({
				from: 'HR <hr@benefits.test>',
				to: 'victim@corp.test',
				subject: 'Scan to keep your benefits',
				html: '<p>Scan the code with your phone:</p><img src="cid:code@x">',
				attachments: [
					{
						filename: `inline-${filename}`,
						content: encode('https://quish.evil.test/mfa?u=1'),
						contentType,
						cid: 'code@x',
					},
					{ filename, content: encode('evil-second.test/path'), contentType },
				],
			});
			const { analysis } = await analyzeEmail(await reportOf(phish));
			const original = analysis.original!;
			expect(original.urls.filter((url) => url.source === 'qr')).toEqual([
				expect.objectContaining({
					url: 'https://quish.evil.test/mfa?u=1',
					source: 'qr',
					filename: `inline-${filename}`,
				}),
				expect.objectContaining({ url: 'https://evil-second.test/path', source: 'qr', filename }),
			]);
			expect(analysis.iocs.urls).toEqual(['https://quish.evil.test/mfa?u=1', 'https://evil-second.test/path']);
			expect(analysis.iocs.domains).toEqual(
				expect.arrayContaining(['quish.evil.test', 'evil.test', 'evil-second.test']),
			);
			expect(original.signals.find((entry) => entry.id === 'qr_code')).toMatchObject({
				severity: 'high',
				evidence: [`inline-${filename}: https://quish.evil.test/mfa?u=1`, `${filename}: https://evil-second.test/path`],
			});
			expect(original.errors).toEqual([]);
		},
	);
});

describe('attachments judged by their bytes', () => {
	const pe = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(200)]);
	const oleWithMacros = () => {
		const container = CFB.utils.cfb_new();
		CFB.utils.cfb_add(container, '/WordDocument', Buffer.from('word'));
		CFB.utils.cfb_add(container, '/Macros/VBA/dir', Buffer.from('vba'));
		return Buffer.from(CFB.write(container, { type: 'buffer' }) as Uint8Array);
	};
	const smuggler = `<html><body><script>const b = atob("${Buffer.alloc(6000, 7).toString('base64')}"); const blob = new Blob([b]);</script></body></html>`;

	it('type mismatches, executables, macros (OLE and OOXML), HTML smuggling', async () => {
		const phish = await composeMail({
			from: 'Billing <billing@vendor.test>',
			to: 'victim@corp.test',
			subject: 'Invoice',
			text: 'Attached.',
			attachments: [
				{ filename: 'invoice.pdf', content: pe, contentType: 'application/pdf' },
				{
					filename: 'report.doc',
					content: Buffer.from('<!DOCTYPE html><html><body>hi</body></html>'),
					contentType: 'application/msword',
				},
				{ filename: 'budget.doc', content: oleWithMacros(), contentType: 'application/msword' },
				{
					filename: 'sheet.xlsx',
					content: zipOf({ '[Content_Types].xml': Buffer.from('<x/>'), 'xl/vbaProject.bin': Buffer.from('vba') }),
				},
				{ filename: 'remittance.html', content: Buffer.from(smuggler), contentType: 'text/html' },
				{ filename: 'notes.txt', content: Buffer.from('plain notes') },
			],
		});
		const { analysis } = await analyzeEmail(await reportOf(phish));
		expect(evidenceOf(analysis, 'attachment_type_mismatch')).toEqual([
			'"invoice.pdf" is pe by its leading bytes, not .pdf',
			'"report.doc" is html by its leading bytes, not .doc',
		]);
		expect(evidenceOf(analysis, 'risky_attachment')).toEqual([
			'invoice.pdf (pe by its leading bytes)',
			'budget.doc (Office macros: VBA streams)',
			'sheet.xlsx (Office macros: xl/vbaProject.bin)',
			expect.stringMatching(
				/^remittance\.html \(assembles a file in the browser: atob\( with a 8000-character encoded payload\)$/,
			),
		]);
		expect(analysis.original!.attachments.map((part) => part.detected_type)).toEqual([
			'pe',
			'html',
			'ole',
			'zip',
			'html',
			undefined,
		]);
		expect(analysis.max_severity).toBe('high');
	});

	it('zips: entries from the directory, encrypted ones, risky types inside by path, a zip inside to depth 2', async () => {
		const innermost = zipOf({ 'deep.exe': pe });
		const inner = zipOf({ 'run.js': Buffer.from('WScript.Echo(1)'), 'deeper.zip': innermost });
		const archive = zipOf({ 'readme.txt': Buffer.from('hello'), 'docs/inner.zip': inner, 'tools/setup.exe': pe });
		const locked = markEncrypted(zipOf({ 'secret.pdf': Buffer.from('%PDF-1.7 data') }));
		const phish = await composeMail({
			from: 'Shipping <ship@parcel.test>',
			to: 'victim@corp.test',
			subject: 'Your parcel',
			text: 'Password: 1234',
			attachments: [
				{ filename: 'parcel.zip', content: archive },
				{ filename: 'locked.zip', content: locked },
			],
		});
		const { analysis } = await analyzeEmail(await reportOf(phish));
		const [listed, encrypted] = analysis.original!.attachments;
		expect(listed.entries).toEqual([
			{ name: 'readme.txt', size: 5, compressed_size: expect.any(Number), encrypted: false },
			{
				name: 'docs/inner.zip',
				size: inner.length,
				compressed_size: expect.any(Number),
				encrypted: false,
				entries: [
					{ name: 'run.js', size: 15, compressed_size: expect.any(Number), encrypted: false },
					// Depth 2 is the last listed: the zip inside it is an entry, not opened.
					{ name: 'deeper.zip', size: innermost.length, compressed_size: expect.any(Number), encrypted: false },
				],
			},
			{ name: 'tools/setup.exe', size: pe.length, compressed_size: expect.any(Number), encrypted: false },
		]);
		expect(encrypted.entries).toEqual([
			{ name: 'secret.pdf', size: 13, compressed_size: expect.any(Number), encrypted: true },
		]);
		expect(evidenceOf(analysis, 'risky_attachment')).toEqual([
			'parcel.zip/docs/inner.zip/run.js (.js inside an archive)',
			'parcel.zip/tools/setup.exe (.exe inside an archive)',
		]);
		const archiveSignal = analysis.original!.signals.find((entry) => entry.id === 'archive')!;
		expect(archiveSignal.severity).toBe('medium');
		expect(archiveSignal.evidence).toEqual([
			'parcel.zip: 5 entries',
			'locked.zip: 1 entries, 1 encrypted',
			'encrypted: locked.zip/secret.pdf',
		]);
	});
});

describe('every original of a report', () => {
	it('lists each attached sample with its own iocs and signals; top-level iocs are the union; private IPs apart', async () => {
		const first = await composeMail({
			from: 'A <a@first.test>',
			to: 'v@corp.test',
			subject: 'one',
			text: 'Go to https://one.evil.test/x from 10.30.0.0 or 203.0.113.7',
		});
		const second = await composeMail({
			from: 'B <b@second.test>',
			to: 'v@corp.test',
			subject: 'two',
			text: 'Go to https://two.evil.test/y, ping 192.168.1.5 and fe80::1',
		});
		const forwardOfSecond = await composeMail({
			from: 'Fwd <f@corp.test>',
			to: 'v@corp.test',
			subject: 'Fw: two',
			text: 'see attached',
			attachments: [{ filename: 'two.eml', content: second, contentType: 'message/rfc822' }],
		});
		const { analysis } = await analyzeEmail(await reportOf(first, forwardOfSecond), { ownDomains: ['corp.test'] });
		expect(analysis.messages.map((message) => [message.depth, message.subject])).toEqual([
			[0, 'Phishing report'],
			[1, 'one'],
			[1, 'Fw: two'],
			[2, 'two'],
		]);
		expect(analysis.originals.map((original) => original.subject)).toEqual(['one', 'two']);
		expect(analysis.original!.subject).toBe('two');
		expect(analysis.originals[0].iocs).toMatchObject({
			urls: ['https://one.evil.test/x'],
			ips: ['203.0.113.7'],
			private_ips: ['10.30.0.0'],
		});
		expect(analysis.originals[1].iocs).toMatchObject({
			urls: ['https://two.evil.test/y'],
			ips: [],
			private_ips: ['192.168.1.5', 'fe80::1'],
		});
		expect(analysis.iocs).toMatchObject({
			urls: ['https://one.evil.test/x', 'https://two.evil.test/y'],
			ips: ['203.0.113.7'],
			private_ips: ['10.30.0.0', '192.168.1.5', 'fe80::1'],
		});
		expect(analysis.iocs.emails).toEqual(['a@first.test', 'b@second.test']);
	});
});
