import { readFileSync } from 'node:fs';
import path from 'node:path';

import { analyzeEmail } from '../../nodes/mail';
import { forwardedMail, GMAIL_BODY, ORIGINAL } from '../fixtures/forwarded';
import { outlookCorpus } from '../helpers/corpus';
import { outlookMsg } from '../fixtures/outlookMsgs';
import { crlf, PHISH, report } from '../fixtures/phish';

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
