import { analyzeEmail, verifyAuthentication } from '../../nodes/mail';
import { DKIM_KEY_RECORD, dkimSigned, testResolver } from '../helpers/dkim';

/**
 * Verify Authentication on the Node this suite runs on (20, as n8n 1.x). mailauth 7, the release
 * that follows RFC 7489's strict alignment, needs Node 22.19: here the option must say so plainly
 * and never fall back to another verdict, while the rest of the analysis works. The verdicts
 * themselves are tested under Node 24 in test/host/dmarcAlignment.host.test.ts.
 */
const [major, minor] = process.versions.node.split('.').map(Number);
const NEEDS =
	/Verify Authentication needs Node\.js 22\.19\.0 or newer \(mailauth 7\.\d+\.\d+\); this n8n runs Node\.js 20\.\d+\.\d+/;

const resolver = testResolver({
	'TXT s1._domainkey.sender.test': DKIM_KEY_RECORD,
	'TXT _dmarc.sender.test': [['v=DMARC1; p=reject; adkim=s']],
	'TXT sender.test': [['v=spf1 -all']],
});

const mail = [
	'Received: from mail.sender.test (mail.sender.test [192.0.2.10]) by mx.corp.test with ESMTPS; Mon, 3 Jun 2024 09:12:00 +0000',
	'From: Payroll <payroll@sender.test>',
	'To: victim@corp.test',
	'Subject: Your payslip',
	'Date: Mon, 03 Jun 2024 09:12:00 +0000',
	'Message-ID: <signed-1@sender.test>',
	'Return-Path: <payroll@sender.test>',
	'MIME-Version: 1.0',
	'Content-Type: text/plain; charset=utf-8',
	'',
	'See https://sender.test/payslip',
	'',
].join('\r\n');

describe('Verify Authentication on Node.js older than mailauth needs', () => {
	beforeAll(() => {
		// This suite is about Node 20; under a newer Node the verdicts are checked by the host test.
		expect(major * 100 + minor).toBeLessThan(2219);
	});

	it('refuses with the Node version it needs, and asks no DNS', async () => {
		await expect(verifyAuthentication(await dkimSigned(mail, 'sender.test'), { resolver })).rejects.toThrow(NEEDS);
		expect(resolver.lookups).toEqual([]);
	});

	it('Analyze Email says so in the authentication, keeps the trusted header verdicts, and analyses the rest', async () => {
		const signed = Buffer.concat([
			Buffer.from('Authentication-Results: mx.corp.test; dkim=fail; spf=fail; dmarc=fail\r\n'),
			await dkimSigned(mail, 'sender.test'),
		]);
		const { reporter, iocs } = (
			await analyzeEmail(signed, { verifyAuthentication: true, resolver, trustedAuthservIds: ['mx.corp.test'] })
		).analysis;
		expect(reporter.authentication).toMatchObject({
			dkim: 'fail',
			spf: 'fail',
			dmarc: 'fail',
			source: 'header',
			authserv_id: 'mx.corp.test',
		});
		expect(reporter.authentication.error).toMatch(NEEDS);
		expect(reporter.urls.map((url) => url.url)).toEqual(['https://sender.test/payslip']);
		expect(iocs.domains).toContain('sender.test');
	});

	it('says why an original forwarded inline is not verified: it keeps no bytes as sent', async () => {
		const forward = Buffer.from(
			[
				'From: Reporter <reporter@corp.test>',
				'To: soc@corp.test',
				'Subject: Fwd: Your payslip',
				'Content-Type: text/plain',
				'',
				'---------- Forwarded message ---------',
				'From: Payroll <payroll@sender.test>',
				'Date: Mon, 3 Jun 2024 at 09:12',
				'Subject: Your payslip',
				'To: <victim@corp.test>',
				'',
				'See https://sender.test/payslip',
				'',
			].join('\r\n'),
		);
		const { original } = (await analyzeEmail(forward, { verifyAuthentication: true, resolver })).analysis;
		expect(original).toMatchObject({
			via: 'inline',
			authentication: {
				source: 'none',
				error: 'Not verified: an original forwarded inline keeps no bytes as sent to check.',
			},
		});
	});
});
