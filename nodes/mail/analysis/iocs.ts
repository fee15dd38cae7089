import { BlockList, isIP } from 'node:net';

import { registrableDomain } from './alignment';
import type { FileHashes, UrlIndicator } from './indicators';
import { isGatewayHost } from './rewrites';

export interface Indicators {
	urls: string[];
	domains: string[];
	ips: string[];
	/** Private, loopback, link-local, CGNAT and unspecified addresses: the reporter's own networks, not the attacker's. */
	private_ips: string[];
	emails: string[];
	hashes: Array<FileHashes & { filename: string }>;
}

/** What one message yields for its indicators. */
export interface MessageFindings {
	urls: UrlIndicator[];
	attachments: Array<FileHashes & { filename: string }>;
	emails: string[];
	ips: string[];
	/** Host names written as text, outside links and addresses. */
	domains: string[];
}

/** Addresses no indicator points at from outside (RFC 1918, 6598, 3927, 4193, 4291). Documentation ranges stay out. */
const PRIVATE_IPV4: Array<[network: string, prefix: number]> = [
	['10.0.0.0', 8],
	['172.16.0.0', 12],
	['192.168.0.0', 16],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['100.64.0.0', 10],
	['0.0.0.0', 32],
];
const PRIVATE_IPV6 = new BlockList();
for (const [network, prefix] of [
	['::1', 128],
	['::', 128],
	['fe80::', 10],
	['fc00::', 7],
] as const)
	PRIVATE_IPV6.addSubnet(network, prefix, 'ipv6');

/** A dotted quad (checked by isIP first) as one number, read digit by digit: no arrays for each address. */
function ipv4Number(address: string): number {
	let value = 0;
	let octet = 0;
	for (let index = 0; index < address.length; index++) {
		const code = address.charCodeAt(index);
		if (code === 46) {
			value = value * 256 + octet;
			octet = 0;
		} else octet = octet * 10 + code - 48;
	}
	return value * 256 + octet;
}

/*
 * IPv4 networks as [first, last] numbers: BlockList.check builds a SocketAddress per call, which
 * cost more than the rest of the indicators together for a mail with a few dozen addresses.
 */
const PRIVATE_IPV4_RANGES = PRIVATE_IPV4.map(([network, prefix]) => {
	const first = ipv4Number(network);
	return [first, first + 2 ** (32 - prefix) - 1];
});

export function isPrivateIp(address: string): boolean {
	const family = isIP(address);
	if (family === 4) {
		const value = ipv4Number(address);
		return PRIVATE_IPV4_RANGES.some(([first, last]) => value >= first && value <= last);
	}
	return family === 6 && PRIVATE_IPV6.check(address, 'ipv6');
}

/** One message's indicators: own domains left out, gateway hosts and opaque rewrites never counted, IPs split. */
export function indicatorsOf(found: MessageFindings, own: (hostOrAddress: string) => boolean): Indicators {
	const urls = found.urls.filter((url) => !own(url.domain) && !url.opaque_rewrite);
	// The hosts of rewritten links, where the text spells the rewrite out (google.com of a redirect).
	const wrappers = new Set(
		found.urls.flatMap((url) => (url.unwrapped_from ? [new URL(url.unwrapped_from).hostname] : [])),
	);
	const domains = new Set<string>();
	const emails = new Set<string>();
	const addHost = (host: string) => {
		if (isGatewayHost(host) || wrappers.has(host)) return;
		domains.add(host);
		const registrable = registrableDomain(host);
		if (registrable) domains.add(registrable);
	};
	for (const url of urls) {
		if (isIP(url.domain)) continue;
		domains.add(url.domain);
		if (url.domain_unicode) domains.add(url.domain_unicode);
		if (url.registrable_domain) domains.add(url.registrable_domain);
	}
	for (const domain of found.domains) if (!own(domain)) addHost(domain);
	for (const email of found.emails) {
		const address = email.trim().toLowerCase();
		if (!address.includes('@') || own(address)) continue;
		emails.add(address);
		addHost(address.slice(address.lastIndexOf('@') + 1));
	}
	const allIps = new Set([...found.ips, ...urls.filter((url) => isIP(url.domain)).map((url) => url.domain)]);
	const hashes = new Map<string, FileHashes & { filename: string }>();
	for (const { filename, md5, sha1, sha256 } of found.attachments) {
		if (!hashes.has(sha256)) hashes.set(sha256, { filename, md5, sha1, sha256 });
	}
	const ips: string[] = [];
	const privateIps: string[] = [];
	for (const ip of allIps) (isPrivateIp(ip) ? privateIps : ips).push(ip);
	return {
		urls: [...new Set(urls.map((url) => url.url))],
		domains: [...domains],
		ips,
		private_ips: privateIps,
		emails: [...emails],
		hashes: [...hashes.values()],
	};
}

/** Several messages' indicators as one set, first seen first. */
export function unionOf(sets: Indicators[]): Indicators {
	const merge = (key: Exclude<keyof Indicators, 'hashes'>) => [...new Set(sets.flatMap((set) => set[key]))];
	const hashes = new Map(sets.flatMap((set) => set.hashes.map((hash) => [hash.sha256, hash] as const)));
	return {
		urls: merge('urls'),
		domains: merge('domains'),
		ips: merge('ips'),
		private_ips: merge('private_ips'),
		emails: merge('emails'),
		hashes: [...hashes.values()],
	};
}
