import { readFileSync } from 'node:fs';
import path from 'node:path';

import { analyzeEmail, readAuthentication } from '../../nodes/mail';
import { checkAlignment, registrableDomain } from '../../nodes/mail/analysis/alignment';
import { parseInlineForward } from '../../nodes/mail/analysis/forwarded';
import {
	defangUrl,
	findDomains,
	findEmails,
	findIps,
	messageUrls,
	refang,
	urlIndicator,
} from '../../nodes/mail/analysis/indicators';
import {
	APPLE_BODY,
	forwardedMail,
	GMAIL_BODY,
	ORIGINAL,
	OUTLOOK_BODY,
	OUTLOOK_DESKTOP_BODY,
} from '../fixtures/forwarded';
import { outlookCorpus } from '../helpers/corpus';
import { outlookMsg } from '../fixtures/outlookMsgs';
import { crlf, PHISH, report } from '../fixtures/phish';

const ar = (...values: string[]) => values.map((value) => ({ key: 'authentication-results', value }));

describe('Authentication-Results: only trusted authserv-ids, only above anyone else', () => {
	const own =
		'mx.corp.test; spf=pass smtp.mailfrom=a.test; dkim=fail (bad sig) header.d=a.test; dkim=pass header.d=b.test; dmarc=pass header.from=a.test; arc=none';
	it('reads each method, a pass of several DKIM signatures winning', () => {
		expect(readAuthentication(ar(own), ['MX.corp.test'])).toEqual({
			spf: 'pass',
			dkim: 'pass',
			dmarc: 'pass',
			arc: 'none',
			source: 'header',
			authserv_id: 'mx.corp.test',
			ignored_headers: 0,
		});
	});

	it('trusts nothing when no authserv-id is configured, and counts what it ignored', () => {
		expect(readAuthentication(ar(own), [])).toMatchObject({
			spf: 'unknown',
			dkim: 'unknown',
			dmarc: 'unknown',
			arc: 'unknown',
			source: 'none',
			ignored_headers: 1,
		});
	});

	it('ignores a header with a trusted id below a header from anyone else (forged by the sender)', () => {
		const values = ar('mx.corp.test; spf=fail', 'relay.other.test; spf=pass', 'mx.corp.test; dkim=pass; dmarc=pass');
		expect(readAuthentication(values, ['mx.corp.test'])).toMatchObject({
			spf: 'fail',
			dkim: 'unknown',
			dmarc: 'unknown',
			ignored_headers: 2,
		});
	});

	it('ignores a header with a trusted id below the Received header of the hop before (written by the sender)', () => {
		const headers = [
			{ key: 'received', value: 'from evil.test by mx.corp.test' },
			{ key: 'authentication-results', value: 'mx.corp.test; spf=fail' },
			{ key: 'received', value: 'from laptop by evil.test' },
			{ key: 'authentication-results', value: 'mx.corp.test; dkim=pass; dmarc=pass' },
		];
		expect(readAuthentication(headers, ['mx.corp.test'])).toMatchObject({
			spf: 'fail',
			dkim: 'unknown',
			dmarc: 'unknown',
			ignored_headers: 1,
		});
	});

	it('knows a header without authserv-id (Microsoft 365) by the server of the Received header below it', () => {
		const headers = [
			{
				key: 'received',
				value: 'from BN8NAM11FT007.eop-nam11.prod.protection.outlook.com by SA1PR12MB1234.namprd12.prod.outlook.com',
			},
			{
				key: 'authentication-results',
				value:
					'spf=pass (sender IP is 209.85.128.54) smtp.mailfrom=gmail.com; dkim=pass (signature was verified) header.d=gmail.com;dmarc=pass action=none header.from=gmail.com;compauth=pass reason=100',
			},
			{
				key: 'received-spf',
				value: 'Pass (protection.outlook.com: domain of gmail.com designates 209.85.128.54 as permitted sender)',
			},
			{
				key: 'received',
				value: 'from mail-wm1-f54.google.com (209.85.128.54) by BN8NAM11FT007.mail.protection.outlook.com',
			},
			{ key: 'authentication-results', value: 'spf=fail; dmarc=fail' },
			{ key: 'received', value: 'from laptop by fake.mail.protection.outlook.com' },
		];
		expect(readAuthentication(headers, ['protection.outlook.com'])).toEqual({
			spf: 'pass',
			dkim: 'pass',
			dmarc: 'pass',
			arc: 'unknown',
			source: 'header',
			authserv_id: 'bn8nam11ft007.mail.protection.outlook.com',
			ignored_headers: 1,
		});
		// Not trusted unless named; a bare "outlook.com" does not match "notoutlook.com".
		expect(readAuthentication(headers, [])).toMatchObject({ spf: 'unknown', source: 'none', ignored_headers: 2 });
		expect(
			readAuthentication(
				headers.map((header) => ({
					...header,
					value: header.value.replace(/protection\.outlook/g, 'protection.notoutlook'),
				})),
				['outlook.com'],
			),
		).toMatchObject({ source: 'none' });
	});

	it('takes the topmost of several trusted headers, and skips comments and quoted strings', () => {
		const values = ar(
			'mx.corp.test (the (nested) comment); dkim=fail reason="bad; sig" header.d=x.test',
			'mx.corp.test; dkim=pass; spf=softfail',
		);
		expect(readAuthentication(values, ['mx.corp.test'])).toMatchObject({ dkim: 'fail', spf: 'softfail' });
	});
});

describe('alignment and registrable domains', () => {
	it('uses the public suffix list with private suffixes (github.io, co.uk)', () => {
		expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
		expect(registrableDomain('me.github.io')).toBe('me.github.io');
		expect(registrableDomain('user@mail.bücher.de')).toBe('xn--bcher-kva.de');
	});

	it('compares Return-Path and Reply-To with From', () => {
		expect(checkAlignment('a@mail.example.com', 'bounce@bounces.example.com', [])).toEqual({
			return_path: 'aligned',
			reply_to: 'absent',
		});
		expect(checkAlignment('a@example.com', '', ['x@evil.test'])).toEqual({
			return_path: 'absent',
			reply_to: 'misaligned',
		});
	});
});

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

describe('inline-forwarded originals: Gmail, Outlook, Apple Mail, Thunderbird; EN, DE, FR, ES', () => {
	it.each([
		['Gmail (en)', GMAIL_BODY, 'Fwd: x'],
		['Outlook (en)', OUTLOOK_BODY, 'FW: x'],
		['Outlook desktop (en)', OUTLOOK_DESKTOP_BODY, 'FW: x'],
		['Apple Mail (en)', APPLE_BODY, 'Fwd: x'],
	])('%s', (_client, body, subject) => {
		const forward = parseInlineForward(body, subject)!;
		expect(forward.from?.address).toBe(ORIGINAL.from);
		expect(forward.subject).toBe(ORIGINAL.subject);
		expect(forward.to).toEqual(ORIGINAL.to);
	});

	const original = (lines: string[]) =>
		['Siehe unten / voir ci-dessous / ver abajo', '', ...lines, '', 'Cliquez http://evil.test/login'].join('\n');
	it.each([
		[
			'Gmail (de)',
			'Fwd: x',
			[
				'---------- Weitergeleitete Nachricht ---------',
				'Von: PayPal <attacker@evil.test>',
				'Date: Mo., 3. Juni 2024 um 09:12 Uhr',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Thunderbird (de)',
			'WG: x',
			[
				'-------- Weitergeleitete Nachricht --------',
				'Betreff: \tKonto prüfen',
				'Datum: \tMon, 3 Jun 2024 09:12:00 +0000',
				'Von: \tPayPal <attacker@evil.test>',
				'An: \tvictim@corp.test',
			],
		],
		[
			'Outlook (de)',
			'WG: x',
			[
				'________________________________',
				'Von: PayPal <attacker@evil.test>',
				'Gesendet: Montag, 3. Juni 2024 09:12',
				'An: victim@corp.test',
				'Betreff: Konto prüfen',
			],
		],
		[
			'Apple Mail (de)',
			'WG: x',
			[
				'Anfang der weitergeleiteten Nachricht:',
				'',
				'> Von: PayPal <attacker@evil.test>',
				'> Betreff: Konto prüfen',
				'> Datum: 3. Juni 2024 um 09:12:00 MESZ',
				'> An: victim@corp.test',
			],
		],
		[
			'Gmail (fr)',
			'Fwd: x',
			[
				'---------- Message transféré ---------',
				'De : PayPal <attacker@evil.test>',
				'Date: lun. 3 juin 2024 à 09:12',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Outlook (fr)',
			'TR: x',
			[
				"-----Message d'origine-----",
				'De : PayPal <attacker@evil.test>',
				'Envoyé : lundi 3 juin 2024 09:12',
				'À : victim@corp.test',
				'Objet : Konto prüfen',
			],
		],
		[
			'Thunderbird (fr)',
			'Fwd: x',
			[
				'-------- Message transféré --------',
				'Sujet : \tKonto prüfen',
				'Date : \tMon, 3 Jun 2024 09:12:00 +0000',
				'De : \tPayPal <attacker@evil.test>',
				'Pour : \tvictim@corp.test',
			],
		],
		[
			'Apple Mail (fr)',
			'TR: x',
			[
				'Début du message réexpédié :',
				'',
				'> De: PayPal <attacker@evil.test>',
				'> Objet: Konto prüfen',
				'> Date: 3 juin 2024 à 09:12:00 UTC+2',
				'> À: victim@corp.test',
			],
		],
		[
			'Gmail (es)',
			'Fwd: x',
			[
				'---------- Mensaje reenviado ---------',
				'De: PayPal <attacker@evil.test>',
				'Date: lun, 3 jun 2024 a las 09:12',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Outlook (es)',
			'RV: x',
			[
				'________________________________',
				'De: PayPal <attacker@evil.test>',
				'Enviado: lunes, 3 de junio de 2024 9:12',
				'Para: victim@corp.test',
				'Asunto: Konto prüfen',
			],
		],
		[
			'Thunderbird (es)',
			'RV: x',
			[
				'-------- Mensaje reenviado --------',
				'Asunto: \tKonto prüfen',
				'Fecha: \tMon, 3 Jun 2024 09:12:00 +0000',
				'De: \tPayPal <attacker@evil.test>',
				'Para: \tvictim@corp.test',
			],
		],
		[
			'Apple Mail (es)',
			'RV: x',
			[
				'Inicio del mensaje reenviado:',
				'',
				'> De: PayPal <attacker@evil.test>',
				'> Asunto: Konto prüfen',
				'> Fecha: 3 de junio de 2024, 9:12:00 CEST',
				'> Para: victim@corp.test',
			],
		],
	])('%s', (_client, subject, lines) => {
		const forward = parseInlineForward(original(lines), subject)!;
		expect(forward).toMatchObject({
			subject: 'Konto prüfen',
			to: ['victim@corp.test'],
			from: { address: 'attacker@evil.test' },
		});
		expect(forward.body).toContain('http://evil.test/login');
	});

	it('does not take the history under a reply (Outlook rule, no forward subject) for a forward', () => {
		expect(parseInlineForward(OUTLOOK_BODY, 'RE: question')).toBeUndefined();
		expect(parseInlineForward('no forward here\nFrom: a@b.test\n', 'Hello')).toBeUndefined();
	});
});

describe('analyzeEmail', () => {
	it('lists host names and addresses an analyst wrote as text, defanged or not, without own domains', async () => {
		const note = crlf([
			'From: analyst@corp.test',
			'To: soc@corp.test',
			'Subject: block list',
			'Content-Type: text/plain',
			'',
			'Block evil[.]com and www.bad-site.org (see intranet.corp.test).',
			'C2 at 203.0.113.5.',
			'',
		]);
		const { iocs, iocs_defanged } = (await analyzeEmail(Buffer.from(note), { ownDomains: ['corp.test'] })).analysis;
		expect(iocs.domains).toEqual(expect.arrayContaining(['evil.com', 'www.bad-site.org', 'bad-site.org']));
		expect(iocs.domains.some((domain) => domain.endsWith('corp.test'))).toBe(false);
		expect(iocs.ips).toEqual(['203.0.113.5']);
		expect(iocs_defanged!.domains).toContain('evil[.]com');
	});

	it('unwraps an attached phish: the original, its authentication from the trusted header, alignment, indicators, and its exact bytes', async () => {
		const { analysis, originalEml } = await analyzeEmail(report(PHISH), {
			trustedAuthservIds: ['mx.corp.test'],
			ownDomains: ['corp.test'],
		});
		expect(analysis.messages.map((message) => [message.depth, message.via, message.subject])).toEqual([
			[0, 'root', 'Phishing report'],
			[1, 'attachment', 'Urgent: verify your account'],
		]);
		expect(analysis.reporter.authentication).toMatchObject({ dmarc: 'pass', source: 'header' });
		const original = analysis.original!;
		// The second mx.corp.test header sits below the sender's Received line: the sender wrote it.
		expect(original.authentication).toMatchObject({
			spf: 'fail',
			dkim: 'none',
			dmarc: 'fail',
			arc: 'none',
			source: 'header',
			authserv_id: 'mx.corp.test',
			ignored_headers: 1,
		});
		expect(original.alignment).toEqual({ return_path: 'misaligned', reply_to: 'misaligned' });
		expect(original.urls.find((url) => url.url === 'https://login.evil.test/p?u=1')).toMatchObject({
			display_text: 'https://www.paypal.com/signin',
			mismatched: true,
			registrable_domain: 'evil.test',
		});
		expect(originalEml!.content.toString('latin1')).toBe(PHISH);
		expect(originalEml!.fileName).toBe('phish-1@paypa1.test.eml');

		const { iocs, iocs_defanged } = analysis;
		expect(iocs.urls).toEqual(
			expect.arrayContaining([
				'https://login.evil.test/p?u=1',
				'https://xn--pypal-4ve.test/',
				'http://my.github.io/x',
				'https://harvest.evil.test/post',
				'https://www.paypal.com.evil.test/login',
				'http://198.51.100.20/x',
			]),
		);
		expect(iocs.urls).not.toContain('https://corp.test/ok');
		expect(iocs.domains).toEqual(
			expect.arrayContaining([
				'login.evil.test',
				'evil.test',
				'xn--pypal-4ve.test',
				'pаypal.test',
				'my.github.io',
				'paypa1.test',
				'bounce.evil.test',
				'evil-help.test',
			]),
		);
		expect(iocs.domains.some((domain) => domain.endsWith('corp.test'))).toBe(false);
		expect(iocs.ips).toEqual(expect.arrayContaining(['198.51.100.20', '2001:db8::42', '198.51.100.7']));
		expect(iocs.emails).toEqual(
			expect.arrayContaining([
				'security@paypa1.test',
				'bounce@bounce.evil.test',
				'collect@evil-collect.test',
				'drop@evil.test',
				'help@evil-help.test',
			]),
		);
		expect(iocs.emails).not.toContain('victim@corp.test');
		expect(iocs.hashes).toEqual([]);
		expect(iocs_defanged!.urls).toContain('hxxps://login[.]evil[.]test/p?u=1');
		expect(iocs_defanged!.emails).toContain('drop[at]evil[.]test');
		expect(iocs_defanged!.ips).toContain('198[.]51[.]100[.]7');
		// The reporter's own attachment is hashed on the reporter, not counted as the original's.
		expect(
			analysis.reporter.attachments.map((a) => [a.filename, a.md5.length, a.sha1.length, a.sha256.length]),
		).toEqual([
			['phish.eml', 32, 40, 64],
			['invoice.pdf', 32, 40, 64],
		]);
	});

	it('takes an .eml attached as a file (application/octet-stream), and stops at Max Depth 0', async () => {
		const attached = crlf([
			'From: r@corp.test',
			'Subject: report',
			'Content-Type: multipart/mixed; boundary="b"',
			'',
			'--b',
			'Content-Type: application/octet-stream; name="p.eml"',
			'Content-Transfer-Encoding: base64',
			'',
			Buffer.from(PHISH).toString('base64'),
			'--b--',
			'',
		]);
		expect((await analyzeEmail(Buffer.from(attached))).analysis.original?.subject).toBe('Urgent: verify your account');
		const shallow = (await analyzeEmail(Buffer.from(attached), { maxDepth: 0, defang: false })).analysis;
		expect(shallow.original).toBeNull();
		expect(shallow.iocs_defanged).toBeUndefined();
		expect(shallow.reporter.warnings).toEqual(['Max Depth (0) reached: 1 mail(s) inside this one were not unwrapped.']);
	});

	it('unwraps an original forwarded inline, which has no headers of its own to trust', async () => {
		const { analysis, originalEml } = await analyzeEmail(Buffer.from(forwardedMail('Fwd:', GMAIL_BODY)), {
			trustedAuthservIds: ['mx.corp.test'],
		});
		expect(analysis.original).toMatchObject({
			depth: 1,
			via: 'inline',
			from: ORIGINAL.from,
			subject: ORIGINAL.subject,
			authentication: { source: 'none' },
			alignment: { return_path: 'absent' },
		});
		expect(analysis.iocs.urls).toEqual(['http://evil.test/login']);
		expect(originalEml).toBeUndefined();
	});

	it("reads an inline original's links from the quoted part of the forward's HTML, not from the forwarder's note", async () => {
		const html =
			'<div>Looks like phishing, see <a href="https://intranet.reporterco.example/help">our guide</a>.</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: PayPal Security &lt;<a href="mailto:attacker@evil.test">attacker@evil.test</a>&gt;<br>Date: Mon, 3 Jun 2024 at 09:12<br>Subject: Urgent: verify your account<br>To: &lt;victim@corp.test&gt;<br><br>Dear customer, <a href="http://evil.test/login">log in</a> now.</div>';
		const mail = crlf([
			'From: Reporter <reporter@corp.test>',
			'To: soc@corp.test',
			'Subject: Fwd: Urgent: verify your account',
			'MIME-Version: 1.0',
			'Content-Type: multipart/alternative; boundary="a"',
			'',
			'--a',
			'Content-Type: text/plain; charset=utf-8',
			'',
			GMAIL_BODY,
			'--a',
			'Content-Type: text/html; charset=utf-8',
			'',
			html,
			'--a--',
			'',
		]);
		const { analysis } = await analyzeEmail(Buffer.from(mail));
		expect(analysis.original!.urls.map((url) => url.url)).toEqual(['http://evil.test/login']);
		expect(analysis.iocs.domains).not.toContain('intranet.reporterco.example');
		expect(analysis.reporter.urls.map((url) => url.url)).toContain('https://intranet.reporterco.example/help');
	});

	/** A .msg attached to a MIME report, as a mail client forwards the file. */
	const msgInMime = (msg: Buffer) =>
		Buffer.from(
			crlf([
				'From: r@corp.test',
				'Subject: report',
				'Content-Type: multipart/mixed; boundary="b"',
				'',
				'--b',
				'Content-Type: application/vnd.ms-outlook; name="reported.msg"',
				'Content-Disposition: attachment; filename="reported.msg"',
				'Content-Transfer-Encoding: base64',
				'',
				msg.toString('base64'),
				'--b--',
				'',
			]),
		);

	it('reads a reported Outlook .msg with the phish inside it, and an attached .msg in a MIME report', async () => {
		const msg = outlookMsg('report-with-phish.msg');
		const direct = (await analyzeEmail(msg, { trustedAuthservIds: ['mx.corp.test'] })).analysis;
		expect(direct.reporter).toMatchObject({
			via: 'root',
			subject: 'FW: Action required: confirm your payroll details',
			from: 'grace@corp.test',
			return_path: 'grace@corp.test',
			cc: ['henry@corp.test'],
		});
		// The phish's verdicts come from the transport headers Outlook kept, read like a MIME header block.
		expect(direct.original).toMatchObject({
			depth: 1,
			via: 'msg',
			subject: 'Action required: confirm your payroll details',
			from: 'payroll@hr-portal.example',
			return_path: 'bounce@relay.hr-portal.example',
			authentication: { spf: 'fail', dmarc: 'fail', source: 'header' },
		});
		expect(direct.iocs.urls).toContain('https://payroll.hr-portal.example/confirm?id=5531');
		const viaMime = (await analyzeEmail(msgInMime(msg))).analysis;
		expect(viaMime.messages.slice(1).map(({ depth, via, subject }) => ({ depth, via, subject }))).toEqual([
			{ depth: 1, via: 'msg', subject: 'FW: Action required: confirm your payroll details' },
			{ depth: 2, via: 'msg', subject: 'Action required: confirm your payroll details' },
		]);
	});

	outlookCorpus.it('reads an Outlook-written .msg with an .eml inside it, also in a MIME report', async () => {
		const msg = readFileSync(path.join(outlookCorpus.directory, 'Attach-sample-eml-received.msg'));
		const direct = (await analyzeEmail(msg)).analysis;
		expect(direct.reporter).toMatchObject({
			via: 'root',
			subject: 'Attach sample.eml',
			from: 'hmailuser@hmailserver.test',
			return_path: 'hmailuser@hmailserver.test',
		});
		expect(direct.messages.length).toBeGreaterThan(1);
		const viaMime = (await analyzeEmail(msgInMime(msg))).analysis;
		expect(viaMime.messages[1]).toMatchObject({ depth: 1, via: 'msg', subject: 'Attach sample.eml' });
	});
});
