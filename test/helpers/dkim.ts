import { generateKeyPairSync } from 'node:crypto';

import type { DnsResolver } from '../../nodes/mail';

// mailauth's own signer (it loads on any Node): the tests sign as a sending domain would, with a key made for the run.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
	dkimSign: (message: Buffer, options: Record<string, unknown>) => Promise<{ signatures: string }>;
};

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** The TXT record of the test key, for `<selector>._domainkey.<domain>`. */
export const DKIM_KEY_RECORD = [
	['v=DKIM1; k=rsa; p=', publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
];

/** The mail with a DKIM-Signature of `domain` (selector `selector`) on top. */
export async function dkimSigned(mail: string, domain: string, selector = 's1'): Promise<Buffer> {
	const signatureData = [
		{
			signingDomain: domain,
			selector,
			privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
			algorithm: 'rsa-sha256',
		},
	];
	const { signatures } = await dkimSign(Buffer.from(mail), { canonicalization: 'relaxed/relaxed', signatureData });
	return Buffer.concat([Buffer.from(signatures), Buffer.from(mail)]);
}

/** DNS as dns.promises.resolve answers it, from memory ("TXT name" -> TXT strings); every lookup is recorded. */
export function testResolver(records: Record<string, string[][]>): DnsResolver & { lookups: string[] } {
	const lookups: string[] = [];
	const resolve = async (name: string, rrtype: string) => {
		lookups.push(`${rrtype} ${name}`);
		const answer = records[`${rrtype} ${name.toLowerCase()}`];
		if (answer) return answer;
		throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
	};
	return Object.assign(resolve, { lookups });
}
