import type { AuthVerdict } from './authResults';

/** The contract of `dns.promises.resolve(name, rrtype)`, which mailauth calls for keys and policies. */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

export interface VerifiedAuthentication {
	spf: AuthVerdict;
	dkim: AuthVerdict;
	dmarc: AuthVerdict;
	arc: AuthVerdict;
}

interface Status {
	status?: { result?: string };
}

interface MailauthResult {
	dkim?: { results?: Status[] };
	spf?: Status | false;
	dmarc?: Status | false;
	arc?: Status | false;
}

type Authenticate = (message: Buffer, options: Record<string, unknown>) => Promise<MailauthResult>;

const VERDICTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

function verdict(result: string | undefined): AuthVerdict {
	if (!result) return 'none';
	return VERDICTS.has(result) ? (result as AuthVerdict) : result === 'policy' ? 'fail' : 'unknown';
}

function nodeAtLeast(required: string): boolean {
	const have = process.versions.node.split('.').map(Number);
	const need = required.split('.').map(Number);
	for (let index = 0; index < 3; index++) {
		if ((have[index] ?? 0) !== (need[index] ?? 0)) return (have[index] ?? 0) > (need[index] ?? 0);
	}
	return true;
}

let loaded: Authenticate | undefined;

/**
 * mailauth, loaded on first use: most analyses never verify, and its release line moves to newer
 * Node versions than n8n 1.x runs on. A Node older than the installed mailauth asks for gets an
 * error naming both versions, and everything else in the analysis still works.
 */
function loadMailauth(): Authenticate {
	if (loaded) return loaded;
	const manifest = require('mailauth/package.json') as { version: string; engines?: { node?: string } };
	const required = /(\d+\.\d+(?:\.\d+)?)/.exec(manifest.engines?.node ?? '')?.[1];
	if (required && !nodeAtLeast(required)) {
		throw new Error(
			`Verify Authentication needs Node.js ${required} or newer (mailauth ${manifest.version}); ` +
				`this n8n runs Node.js ${process.versions.node}. Upgrade Node.js (n8n 2.x ships it) ` +
				`or turn the option off: the rest of the analysis works without it.`,
		);
	}
	loaded = (require('mailauth') as { authenticate: Authenticate }).authenticate;
	return loaded;
}

/**
 * A real check of a message's DKIM signatures, SPF (the connecting IP and sender read from its
 * topmost Received header) and DMARC, plus ARC. Needs DNS: n8n's own resolver unless `resolver` is
 * given (tests serve their keys from one). A verdict now can differ from the one at delivery: keys
 * rotate and DNS changes.
 */
export async function verifyAuthentication(
	message: Buffer,
	options: { resolver?: DnsResolver; mta?: string } = {},
): Promise<VerifiedAuthentication> {
	const authenticate = loadMailauth();
	const result = await authenticate(message, {
		trustReceived: true,
		disableBimi: true,
		mta: options.mta ?? 'n8n-nodes-mailbox',
		...(options.resolver ? { resolver: options.resolver } : {}),
	});
	const dkim = (result.dkim?.results ?? []).map((entry) => verdict(entry.status?.result));
	return {
		dkim: dkim.includes('pass') ? 'pass' : (dkim[0] ?? 'none'),
		spf: result.spf ? verdict(result.spf.status?.result) : 'none',
		dmarc: result.dmarc ? verdict(result.dmarc.status?.result) : 'none',
		arc: result.arc ? verdict(result.arc.status?.result) : 'none',
	};
}
