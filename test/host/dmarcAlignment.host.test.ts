import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { DKIM_KEY_RECORD, dkimSigned } from '../helpers/dkim';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { node24Binary } = require('../../scripts/lib/n8nHost.js') as { node24Binary: () => string | undefined };

jest.setTimeout(120_000);

/**
 * DMARC alignment by RFC 7489 3.1: under adkim=s / aspf=s only an exact domain match aligns. A bank
 * signing (or sending) from mail.bank.com for From: bank.com passes only under relaxed alignment.
 * mailauth before 5.0 applied relaxed alignment to strict records and passed such mail: this test
 * fails on that behaviour. mailauth 7 needs Node 22.19, so the check runs the built package (dist/)
 * under the Node 24 that n8n 2.x runs on, offline, through a resolver serving the records below.
 */
const mail = (returnPath: string) =>
	[
		'Received: from mail.bank.com (mail.bank.com [192.0.2.10]) by mx.corp.test with ESMTPS; Mon, 3 Jun 2024 09:12:00 +0000',
		`Return-Path: <${returnPath}>`,
		'From: Bank <alerts@bank.com>',
		'To: customer@corp.test',
		'Subject: Your statement',
		'Date: Mon, 03 Jun 2024 09:12:00 +0000',
		'Message-ID: <statement-1@bank.com>',
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		'Your statement is ready.',
		'',
	].join('\r\n');

function records(dmarc: string): Record<string, string[][]> {
	return {
		'TXT s1._domainkey.mail.bank.com': DKIM_KEY_RECORD,
		'TXT _dmarc.bank.com': [[`v=DMARC1; p=reject; ${dmarc}`]],
		// mail.bank.com may send from 192.0.2.10; bank.com itself sends from nowhere.
		'TXT mail.bank.com': [['v=spf1 ip4:192.0.2.10 -all']],
		'TXT bank.com': [['v=spf1 -all']],
	};
}

interface Verdicts {
	verified: { spf: string; dkim: string; dmarc: string };
	analysed: { spf: string; dkim: string; dmarc: string; source: string; error?: string };
}

function verifyOnNode24(dnsRecords: Record<string, string[][]>, mails: Buffer[]): Verdicts[] {
	const node = node24Binary();
	if (!node)
		throw new Error(
			'Node 24 is not in the host cache: run `node scripts/n8n-host.js install 2` (it installs Node 24 for n8n 2.x).',
		);
	const input = JSON.stringify({
		dist: path.resolve(__dirname, '../../dist'),
		records: dnsRecords,
		mails: mails.map((bytes) => bytes.toString('base64')),
	});
	const child = spawnSync(node, [path.join(__dirname, 'verifyOnNode24.js')], {
		input,
		encoding: 'utf8',
		timeout: 60_000,
	});
	if (child.status !== 0) throw new Error(`verifyOnNode24.js failed (${child.status}): ${child.stderr}`);
	const output = JSON.parse(child.stdout) as { node: string; results: Verdicts[] };
	expect(output.node).toMatch(/^24\./);
	return output.results;
}

describe('DMARC alignment follows adkim / aspf (mailauth 7 on Node 24, offline)', () => {
	it('DKIM by mail.bank.com for From: bank.com: fail under adkim=s, pass under adkim=r (SPF fails either way)', async () => {
		// The envelope sender is bank.com, which allows no host: DMARC can pass only through DKIM.
		const signed = await dkimSigned(mail('bounce@bank.com'), 'mail.bank.com');
		const [strict] = verifyOnNode24(records('adkim=s; aspf=r'), [signed]);
		const [relaxed] = verifyOnNode24(records('adkim=r; aspf=r'), [signed]);
		expect(strict.verified).toEqual({ dkim: 'pass', spf: 'fail', dmarc: 'fail', arc: 'none' });
		expect(relaxed.verified).toEqual({ dkim: 'pass', spf: 'fail', dmarc: 'pass', arc: 'none' });
		// Analyze Email reports the same verdicts, as verified ones.
		expect(strict.analysed).toMatchObject({ dkim: 'pass', dmarc: 'fail', source: 'verified' });
		expect(relaxed.analysed).toMatchObject({ dkim: 'pass', dmarc: 'pass', source: 'verified' });
	});

	it('SPF for mail.bank.com with From: bank.com, no signature: fail under aspf=s, pass under aspf=r', async () => {
		const unsigned = Buffer.from(mail('bounce@mail.bank.com'));
		const [strict] = verifyOnNode24(records('adkim=r; aspf=s'), [unsigned]);
		const [relaxed] = verifyOnNode24(records('adkim=r; aspf=r'), [unsigned]);
		expect(strict.verified).toMatchObject({ dkim: 'none', spf: 'pass', dmarc: 'fail' });
		expect(relaxed.verified).toMatchObject({ dkim: 'none', spf: 'pass', dmarc: 'pass' });
		expect(strict.analysed).toMatchObject({ spf: 'pass', dmarc: 'fail', source: 'verified' });
	});

	it('a header changed after signing fails DKIM, and so DMARC', async () => {
		const signed = (await dkimSigned(mail('bounce@bank.com'), 'mail.bank.com')).toString('latin1');
		const [tampered] = verifyOnNode24(records('adkim=r; aspf=r'), [
			Buffer.from(signed.replace('Subject: Your statement', 'Subject: Your statement!'), 'latin1'),
		]);
		expect(tampered.verified).toMatchObject({ dkim: 'fail', dmarc: 'fail' });
	});

	it('an exact match passes under strict alignment', async () => {
		const signed = await dkimSigned(mail('bounce@bank.com'), 'bank.com');
		const [strict] = verifyOnNode24({ ...records('adkim=s; aspf=s'), 'TXT s1._domainkey.bank.com': DKIM_KEY_RECORD }, [
			signed,
		]);
		expect(strict.verified).toMatchObject({ dkim: 'pass', dmarc: 'pass' });
	});
});
