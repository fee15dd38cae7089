import { generateKeyPairSync } from 'node:crypto';

import { analyzeEmail, verifyAuthentication, type DnsResolver } from '../../nodes/mail';

// mailauth's own signer: the test signs as a sending domain would, with a key made for this run.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { dkimSign } = require('mailauth/lib/dkim/sign') as { dkimSign: (message: Buffer, options: Record<string, unknown>) => Promise<{ signatures: string }> };

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/**
 * DNS for sender.test, served from memory as dns.promises.resolve answers: the DKIM key, a DMARC
 * policy, and an SPF record that allows no host (so DMARC can pass only through the DKIM signature).
 */
const records: Record<string, string[][]> = {
	'TXT s1._domainkey.sender.test': [['v=DKIM1; k=rsa; p=', publicKey.export({ type: 'spki', format: 'der' }).toString('base64')]],
	'TXT _dmarc.sender.test': [['v=DMARC1; p=reject']],
	'TXT sender.test': [['v=spf1 -all']],
};
const lookups: string[] = [];
const resolver: DnsResolver = async (name, rrtype) => {
	lookups.push(`${rrtype} ${name}`);
	const answer = records[`${rrtype} ${name.toLowerCase()}`];
	if (answer) return answer;
	throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

const unsigned = [
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

async function signed(): Promise<Buffer> {
	const { signatures } = await dkimSign(Buffer.from(unsigned), { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: 'sender.test', selector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'rsa-sha256' }] });
	return Buffer.concat([Buffer.from(signatures), Buffer.from(unsigned)]);
}

describe('verifyAuthentication (mailauth, offline through a test resolver)', () => {
	it('a mail DKIM-signed with the key in DNS verifies: DKIM pass, DMARC pass through it, SPF checked for the Received IP', async () => {
		const verdict = await verifyAuthentication(await signed(), { resolver });
		expect(verdict).toEqual({ dkim: 'pass', spf: 'fail', dmarc: 'pass', arc: 'none' });
		expect(lookups).toEqual(expect.arrayContaining(['TXT s1._domainkey.sender.test', 'TXT _dmarc.sender.test', 'TXT sender.test']));
	});

	it('the same mail with one header changed fails DKIM, and so DMARC', async () => {
		const tampered = Buffer.from((await signed()).toString('latin1').replace('Subject: Your payslip', 'Subject: Your payslip!'), 'latin1');
		expect(await verifyAuthentication(tampered, { resolver })).toEqual({ dkim: 'fail', spf: 'fail', dmarc: 'fail', arc: 'none' });
	});

	it('Analyze Email with Verify Authentication reports the verified verdicts (source verified), the header ones without', async () => {
		const mail = Buffer.concat([Buffer.from('Authentication-Results: mx.corp.test; dkim=fail; spf=fail; dmarc=fail\r\n'), await signed()]);
		const checked = (await analyzeEmail(mail, { verifyAuthentication: true, resolver, trustedAuthservIds: ['mx.corp.test'] })).analysis.reporter.authentication;
		expect(checked).toMatchObject({ dkim: 'pass', dmarc: 'pass', source: 'verified' });
		const read = (await analyzeEmail(mail, { trustedAuthservIds: ['mx.corp.test'] })).analysis.reporter.authentication;
		expect(read).toMatchObject({ dkim: 'fail', dmarc: 'fail', source: 'header', authserv_id: 'mx.corp.test' });
	});

	it('says why an original forwarded inline is not verified: it keeps no bytes as sent', async () => {
		const forward = Buffer.from(['From: Reporter <reporter@corp.test>', 'To: soc@corp.test', 'Subject: Fwd: Your payslip', 'Content-Type: text/plain', '', '---------- Forwarded message ---------', 'From: Payroll <payroll@sender.test>', 'Date: Mon, 3 Jun 2024 at 09:12', 'Subject: Your payslip', 'To: <victim@corp.test>', '', 'See https://sender.test/payslip', ''].join('\r\n'));
		const { original } = (await analyzeEmail(forward, { verifyAuthentication: true, resolver })).analysis;
		expect(original).toMatchObject({ via: 'inline', authentication: { source: 'none', error: 'Not verified: an original forwarded inline keeps no bytes as sent to check.' } });
	});
});
