import { domainToASCII } from 'node:url';

import { getDomain } from 'tldts';

import { memoByHost } from './hostMemo';

export type AlignmentVerdict = 'aligned' | 'misaligned' | 'absent';

export interface Alignment {
	return_path: AlignmentVerdict;
	reply_to: AlignmentVerdict;
}

/**
 * The registrable domain (public suffix list, private suffixes such as github.io honoured) of a
 * host or of an address's domain; lower case, punycode for IDN. Null for an IP or an unknown suffix.
 */
export const registrableDomain = memoByHost((hostOrAddress: string): string | null => {
	const name = hostOrAddress
		.slice(hostOrAddress.lastIndexOf('@') + 1)
		.replace(/^\[|\]$/g, '')
		.replace(/\.$/, '')
		.toLowerCase();
	const host = domainToASCII(name) || name;
	return host ? getDomain(host, { allowPrivateDomains: true }) : null;
});

function compare(from: string | null, addresses: string[]): AlignmentVerdict {
	const present = addresses.filter(Boolean);
	if (present.length === 0) return 'absent';
	// An address whose domain has no registrable part (a bare host, an IP) cannot be aligned.
	return from && present.every((address) => registrableDomain(address) === from) ? 'aligned' : 'misaligned';
}

/** Return-Path and Reply-To against From, by registrable domain (relaxed alignment, as DMARC's default). */
export function checkAlignment(from: string, returnPath: string, replyTo: string[]): Alignment {
	const fromDomain = from ? registrableDomain(from) : null;
	return { return_path: compare(fromDomain, [returnPath]), reply_to: compare(fromDomain, replyTo) };
}
