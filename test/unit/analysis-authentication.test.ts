import { readAuthentication } from '../../nodes/mail';
import { checkAlignment, registrableDomain } from '../../nodes/mail/analysis/alignment';

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
