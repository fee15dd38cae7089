import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_MAX_DEPTH, listOption, MAX_DEPTH_LIMIT, NAME_SEPARATORS, type AnalyzeOptions } from '../mail';
import { signalOptions, type SignalOptionValues } from './signalOptions';

/** The options of Analyze Email, one list for two places: the operation's `options`, the triggers' `analyzeOptions`. */
export const analyzeOptions: INodeProperties[] = [
	{
		displayName: 'Defang',
		name: 'defang',
		type: 'boolean',
		default: true,
		description:
			'Whether to add defanged copies of the indicators (hxxp, [.], [at]) as iocs_defanged, safe to ' +
			'paste into tickets and chats',
	},
	{
		displayName: 'Max Depth',
		name: 'maxDepth',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: MAX_DEPTH_LIMIT },
		default: DEFAULT_MAX_DEPTH,
		description:
			'How many levels of attached mail (.eml, message/rfc822, Outlook .msg) and inline-forwarded ' +
			'originals to unwrap',
	},
	{
		displayName: 'Own Domains',
		name: 'ownDomains',
		type: 'string',
		default: '',
		placeholder: 'corp.example, corp-mail.example',
		description:
			'Comma-separated registrable domains (and their subdomains) never reported as indicators, ' +
			'and judged for lookalikes',
	},
	...signalOptions,
	{
		displayName: 'Trusted Authserv IDs',
		name: 'trustedAuthservIds',
		type: 'string',
		default: '',
		placeholder: 'mx.google.com, mx.corp.example',
		description:
			'Comma-separated authserv IDs of your own receiving servers (the first word of their ' +
			'Authentication-Results headers; for Microsoft 365, which writes none, protection.outlook.com). ' +
			'Authentication-Results headers are trusted only from these, and only above the first header ' +
			'from anyone else; empty trusts none.',
	},
	{
		displayName: 'Verify Authentication',
		name: 'verifyAuthentication',
		type: 'boolean',
		default: false,
		description:
			'Whether to also check DKIM signatures, SPF, DMARC and ARC for real (needs DNS from the n8n ' +
			'host, and Node.js 20.18.1 or newer). Results can differ from the verdict at delivery: keys and ' +
			'DNS change.',
	},
];

export interface AnalyzeOptionValues extends SignalOptionValues {
	maxDepth?: number;
	trustedAuthservIds?: string;
	verifyAuthentication?: boolean;
	ownDomains?: string;
	defang?: boolean;
}

/** The `options` collection -> the mail module's options. */
export function readAnalyzeOptions(values: AnalyzeOptionValues): AnalyzeOptions {
	return {
		maxDepth: values.maxDepth ?? DEFAULT_MAX_DEPTH,
		trustedAuthservIds: listOption(values.trustedAuthservIds),
		verifyAuthentication: values.verifyAuthentication ?? false,
		ownDomains: listOption(values.ownDomains),
		defang: values.defang ?? true,
		protectedNames: listOption(values.protectedNames, NAME_SEPARATORS),
		protectedDomains: listOption(values.protectedDomains),
	};
}
