import { urlIndicator, type UrlIndicator } from './indicators';

/*
 * Mail gateways rewrite every link of a mail to pass through their own scanner. An analyst needs the
 * link the sender wrote: the gateway's host is no indicator (blocking it blocks every protected link).
 * Each decoder below reads the target as the gateway wrote it; a rewrite that does not carry its
 * target (Mimecast keeps it on its servers) is named as opaque.
 */

/** Rewrites inside rewrites (Safe Links around Proofpoint) are unwrapped this many levels at most. */
const MAX_LAYERS = 4;

type Decoder = (url: URL) => string | undefined;

const param =
	(name: string): Decoder =>
	(url) =>
		url.searchParams.get(name) ?? undefined;

/** Proofpoint URL Defense v2: `u=` with `-XX` for `%XX` and `_` for `/`. */
function proofpointV2(url: URL): string | undefined {
	const encoded = url.searchParams.get('u');
	if (!encoded) return undefined;
	return safeDecode(encoded.replace(/_/g, '/').replace(/-([0-9A-Fa-f]{2})/g, '%$1'));
}

/** Run lengths of `**X` tokens in Proofpoint v3: A=2, B=3, ... (A-Z, a-z, 0-9, -, _). */
const RUN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Proofpoint URL Defense v3: `/v3/__<url>__;<base64url>!!...`. Characters the gateway took out of
 * the URL are `*` (one character) or `**X` (a run) in it, and come back, in order, from the
 * base64url part.
 */
function proofpointV3(url: URL): string | undefined {
	const match = /\/v3\/__(.+?)__;([A-Za-z0-9_-]*)!/.exec(url.href);
	if (!match) return undefined;
	const removed = [...Buffer.from(match[2], 'base64url').toString('utf8')];
	let next = 0;
	const take = (count: number) => {
		const run = removed.slice(next, next + count).join('');
		next += count;
		return run;
	};
	return match[1].replace(/\*(\*.)?/g, (token: string) => {
		if (token === '*') return take(1);
		const length = RUN_CHARS.indexOf(token[2]);
		return length === -1 ? token : take(length + 2);
	});
}

/** Cisco Secure Email: `/<token>/<percent-encoded URL>`. */
function ciscoSecureEmail(url: URL): string | undefined {
	const match = /^\/[^/]+\/(https?(?:%3A|:).*)$/i.exec(url.pathname);
	return match ? safeDecode(match[1]) : undefined;
}

function safeDecode(value: string): string | undefined {
	try {
		return decodeURIComponent(value);
	} catch {
		return undefined;
	}
}

interface Gateway {
	name: string;
	host: RegExp;
	/** Undefined for an opaque rewrite: the target is not in the link. */
	decode?: Decoder;
	path?: RegExp;
	/** The host serves more than the rewrites (google.com): written alone, it may be an indicator. */
	sharedHost?: true;
}

const GATEWAYS: Gateway[] = [
	{ name: 'Microsoft Safe Links', host: /(?:^|\.)safelinks\.protection\.outlook\.com$/, decode: param('url') },
	{ name: 'Proofpoint URL Defense v2', host: /^urldefense\.proofpoint\.com$/, path: /^\/v2\//, decode: proofpointV2 },
	{ name: 'Proofpoint URL Defense v1', host: /^urldefense\.proofpoint\.com$/, path: /^\/v1\//, decode: param('u') },
	{ name: 'Proofpoint URL Defense v3', host: /^urldefense\.(?:com|us)$/, path: /^\/v3\//, decode: proofpointV3 },
	{
		name: 'Google redirect',
		host: /^(?:www\.)?google\.[a-z.]{2,6}$/,
		path: /^\/url$/,
		decode: (url) => param('q')(url) ?? param('url')(url),
		sharedHost: true,
	},
	{ name: 'Barracuda Link Protection', host: /^linkprotect\.cudasvc\.com$/, decode: param('a') },
	{ name: 'Cisco Secure Email', host: /^secure-web\.cisco\.com$/, decode: ciscoSecureEmail },
	{ name: 'Mimecast (opaque)', host: /^protect(?:-[a-z]{2,3})?\.mimecast\.com$/ },
];

function gatewayOf(url: URL): Gateway | undefined {
	const host = url.hostname.toLowerCase();
	return GATEWAYS.find((gateway) => gateway.host.test(host) && (!gateway.path || gateway.path.test(url.pathname)));
}

/** Whether a host is a gateway's own rewriting host, never an indicator. */
export function isGatewayHost(host: string): boolean {
	const name = host.toLowerCase();
	return GATEWAYS.some((gateway) => gateway.host.test(name) && !gateway.sharedHost);
}

/**
 * A link -> the link the gateway(s) wrapped, with `unwrapped_from` (the link as written) and
 * `gateway`; an opaque rewrite is kept with `opaque_rewrite`; any other link is returned as it is.
 */
export function unwrapRewrite(link: UrlIndicator): UrlIndicator {
	// Nearly every link is no rewrite: its host alone says so, without parsing it again.
	const host = link.domain.toLowerCase();
	if (!GATEWAYS.some((gateway) => gateway.host.test(host))) return link;
	let current = link.url;
	const gateways: string[] = [];
	let opaque: string | undefined;
	for (let layer = 0; layer < MAX_LAYERS; layer++) {
		let parsed: URL;
		try {
			parsed = new URL(current);
		} catch {
			break;
		}
		const gateway = gatewayOf(parsed);
		if (!gateway) break;
		if (!gateway.decode) {
			opaque = gateway.name;
			break;
		}
		const target = gateway.decode(parsed);
		if (!target || !urlIndicator(target)) break;
		gateways.push(gateway.name);
		current = target;
	}
	const opaqueRewrite = opaque ? { opaque_rewrite: opaque } : {};
	if (gateways.length === 0) return { ...link, ...opaqueRewrite };
	const target = urlIndicator(current, link.display_text) as UrlIndicator;
	return { ...target, ...sourceOf(link), unwrapped_from: link.url, gateway: gateways.join(' > '), ...opaqueRewrite };
}

const sourceOf = (link: UrlIndicator) => (link.source ? { source: link.source, filename: link.filename } : {});
